//! `ApplyResourceChange`: create, update or delete, chosen by whether the prior
//! and planned states are null.
//!
//! What Terraform gets back on failure is the point of this file: a create that
//! recorded an ID returns that partial state (Terraform keeps it, tainted, so the
//! remote object is never forgotten); a failed update returns the prior state (the
//! next plan proposes the change again); a failed delete keeps the prior state.

use super::objects::{differs_ignoring_timeouts, finish};
use super::{decode, encode, log_done, private, Driver, Registered};
use crate::tf::protocol::{ApplyResourceChangeRequest, ApplyResourceChangeResponse};
use crate::tf::schema::{Block, Presence};
use crate::tf::{Diagnostics, Provider, Resource, Value};

type Res<C> = Registered<dyn Resource<C>>;

impl<P: Provider> Driver<P> {
    pub(super) async fn apply(
        &self,
        req: ApplyResourceChangeRequest,
    ) -> ApplyResourceChangeResponse {
        const RPC: &str = "ApplyResourceChange";
        let mut resp = ApplyResourceChangeResponse {
            private: req.planned_private.clone(),
            ..Default::default()
        };
        let diags = &mut resp.diagnostics;
        let Some(r) = self.resource(&req.type_name, diags) else {
            return resp;
        };
        let prior = decode(&req.prior_state, &r.ty, "prior state", diags);
        let planned = decode(&req.planned_state, &r.ty, "planned state", diags);
        let config = decode(&req.config, &r.ty, "configuration", diags);
        let (Some(prior), Some(planned), Some(config)) = (prior, planned, config) else {
            return resp;
        };
        let new_state = match (prior.is_null(), planned.is_null()) {
            (true, true) => Value::Null,
            (true, false) => self.create(r, &config, planned, diags).await,
            (false, false) => {
                let state = self.update(r, prior, &config, planned, diags).await;
                if !diags.has_errors() {
                    // Applied: null create-only values now mean what they say.
                    resp.private = private::clear_imported(&resp.private);
                }
                state
            }
            (false, true) => self.delete(r, prior, diags).await,
        };
        resp.new_state = encode(&new_state, &r.ty, diags);
        log_done(RPC, &resp.diagnostics);
        resp
    }

    async fn create(
        &self,
        r: &Res<P::Client>,
        config: &Value,
        planned: Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let cx = match self.cx(&r.schema, &planned, "create") {
            Ok(cx) => cx,
            Err(d) => {
                diags.extend(d);
                return Value::Null;
            }
        };
        let mut state = planned;
        r.imp.create(&cx, config, &mut state, diags).await;
        finish(&r.schema.block, &mut state);
        if diags.has_errors() && !state.attr("id").is_known_non_null() {
            return Value::Null; // nothing was created, nothing to remember
        }
        state
    }

    async fn update(
        &self,
        r: &Res<P::Client>,
        prior: Value,
        config: &Value,
        planned: Value,
        diags: &mut Diagnostics,
    ) -> Value {
        if !differs_ignoring_timeouts(&prior, &planned) {
            // Only `timeouts` changed: there is nothing to send to the API.
            let mut state = planned;
            finish(&r.schema.block, &mut state);
            return state;
        }
        let cx = match self.cx(&r.schema, &planned, "update") {
            Ok(cx) => cx,
            Err(d) => {
                diags.extend(d);
                return prior;
            }
        };
        let mut state = planned.clone();
        r.imp.update(&cx, &prior, config, &mut state, diags).await;
        if diags.has_errors() {
            return prior;
        }
        finish(&r.schema.block, &mut state);
        keep_planned_computed_values(&r.schema.block, &planned, &mut state);
        state
    }

    async fn delete(&self, r: &Res<P::Client>, prior: Value, diags: &mut Diagnostics) -> Value {
        let cx = match self.cx(&r.schema, &prior, "delete") {
            Ok(cx) => cx,
            Err(d) => {
                diags.extend(d);
                return prior;
            }
        };
        r.imp.delete(&cx, &prior, diags).await;
        if diags.has_errors() {
            prior
        } else {
            Value::Null
        }
    }
}

/// A computed value the plan promised (known, because the change could not move it)
/// is what the update returns, even if the API reports another one by then (an
/// instance started from a cache between the plan and the apply): Terraform refuses
/// a result that differs from a known planned value, and the next refresh reads
/// the new one anyway.
fn keep_planned_computed_values(block: &Block, planned: &Value, state: &mut Value) {
    for (name, attr) in &block.attributes {
        let promised = planned.attr(name);
        if attr.presence == Presence::Computed
            && promised.is_known()
            && !promised.semantic_eq(state.attr(name))
        {
            log::debug!("kept the planned value of `{name}`; the next refresh reads the new one");
            state.set_attr(name, promised.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::testing::*;
    use crate::tf::protocol::{ApplyResourceChangeRequest, ProviderServer};
    use crate::tf::Value;

    fn request(prior: &Value, planned: &Value, config: &Value) -> ApplyResourceChangeRequest {
        ApplyResourceChangeRequest {
            type_name: "fake_thing".into(),
            prior_state: dv(prior),
            planned_state: dv(planned),
            config: dv(config),
            planned_private: b"private".to_vec(),
        }
    }

    fn create_request() -> ApplyResourceChangeRequest {
        let config = thing(&[
            ("name", "a".into()),
            ("password", "pw".into()),
            ("rule", Value::List(vec![rule(80, None)])),
        ]);
        let mut r80 = rule(80, Some("tcp"));
        r80.set_attr("rule_id", Value::Unknown);
        let planned = thing(&[
            ("id", Value::Unknown),
            ("name", "a".into()),
            ("size", Value::Unknown),
            ("status", Value::Unknown),
            ("arn", Value::Unknown),
            ("rule", Value::List(vec![r80])),
        ]);
        request(&Value::Null, &planned, &config)
    }

    fn created() -> Value {
        let mut r80 = rule(80, Some("tcp"));
        r80.set_attr("rule_id", "r-80");
        thing(&[
            ("id", "thing-1".into()),
            ("name", "a".into()),
            ("status", "ready".into()),
            ("arn", "arn:thing-1".into()),
            ("rule", Value::List(vec![r80])),
        ])
    }

    #[tokio::test]
    async fn create_fills_computed_and_nulls_leftover_unknowns() {
        let (driver, thing) = configured().await;
        let resp = driver.apply_resource_change(create_request()).await;
        assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
        // `size` was left unknown by the fake: null, not unknown.
        assert_eq!(undv(resp.new_state.as_ref().unwrap()), created());
        assert_eq!(resp.private, b"private");
        let k = thing.knobs.lock().unwrap();
        assert_eq!(
            k.password_seen.as_deref(),
            Some("pw"),
            "write-only values come from config"
        );
        assert_eq!(k.timeouts, [Some(Duration::from_secs(60))]);
    }

    #[tokio::test]
    async fn create_error_after_id_keeps_the_partial_state() {
        let (driver, thing) = configured().await;
        thing.knobs.lock().unwrap().create = CreateOutcome::FailAfterId;
        let resp = driver.apply_resource_change(create_request()).await;
        assert!(resp.diagnostics.has_errors());
        let state = undv(resp.new_state.as_ref().unwrap());
        assert_eq!(state.str_attr("id"), Some("thing-1"));
        assert_eq!(state.attr("status"), &Value::Null);
        assert_eq!(state.attr("password"), &Value::Null);
    }

    #[tokio::test]
    async fn create_error_before_id_returns_null() {
        let (driver, thing) = configured().await;
        thing.knobs.lock().unwrap().create = CreateOutcome::FailBeforeId;
        let resp = driver.apply_resource_change(create_request()).await;
        assert!(resp.diagnostics.has_errors());
        assert_eq!(undv(resp.new_state.as_ref().unwrap()), Value::Null);
    }

    #[tokio::test]
    async fn update_uses_planned_timeout_and_returns_prior_on_error() {
        let (driver, thing) = configured().await;
        let prior = created();
        let timeouts = Value::object([
            ("create", Value::Null),
            ("update", "90s".into()),
            ("delete", Value::Null),
            ("read", Value::Null),
        ]);
        let mut planned = prior.clone();
        planned.set_attr("name", "b");
        planned.set_attr("status", Value::Unknown);
        planned.set_attr("timeouts", timeouts);
        let req = request(&prior, &planned, &planned);

        let resp = driver.apply_resource_change(req.clone()).await;
        let state = undv(resp.new_state.as_ref().unwrap());
        assert_eq!(
            (state.str_attr("name"), state.str_attr("status")),
            (Some("b"), Some("updated"))
        );

        thing.knobs.lock().unwrap().fail_update = true;
        let resp = driver.apply_resource_change(req).await;
        assert!(resp.diagnostics.has_errors());
        assert_eq!(undv(resp.new_state.as_ref().unwrap()), prior);
        assert_eq!(
            thing.knobs.lock().unwrap().timeouts,
            [Some(Duration::from_secs(90)); 2]
        );
    }

    #[tokio::test]
    async fn an_update_returns_the_computed_values_the_plan_promised() {
        let (driver, _) = configured().await;
        let prior = created();
        let mut planned = prior.clone();
        planned.set_attr("name", "b");
        // The plan kept `status` known ("ready"); the fake's update reports "updated".
        let resp = driver
            .apply_resource_change(request(&prior, &planned, &planned))
            .await;
        assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
        let state = undv(resp.new_state.as_ref().unwrap());
        assert_eq!(state.str_attr("status"), Some("ready"));
        assert_eq!(state.str_attr("name"), Some("b"));
    }

    #[tokio::test]
    async fn a_successful_update_clears_the_import_mark_and_a_failed_one_keeps_it() {
        let (driver, thing) = configured().await;
        let prior = created();
        let mut planned = prior.clone();
        planned.set_attr("name", "b");
        let mut req = request(&prior, &planned, &planned);
        req.planned_private = super::private::mark_imported(&[]);
        thing.knobs.lock().unwrap().fail_update = true;
        let resp = driver.apply_resource_change(req.clone()).await;
        assert!(super::private::is_imported(&resp.private));
        thing.knobs.lock().unwrap().fail_update = false;
        let resp = driver.apply_resource_change(req).await;
        assert!(!super::private::is_imported(&resp.private));
    }

    #[tokio::test]
    async fn a_timeouts_only_update_calls_nothing() {
        let (driver, thing) = configured().await;
        let prior = created();
        let mut planned = prior.clone();
        planned.set_attr(
            "timeouts",
            Value::object([
                ("create", "1m".into()),
                ("update", Value::Null),
                ("delete", Value::Null),
                ("read", Value::Null),
            ]),
        );
        let resp = driver
            .apply_resource_change(request(&prior, &planned, &planned))
            .await;
        assert_eq!(undv(resp.new_state.as_ref().unwrap()), planned);
        assert!(thing.knobs.lock().unwrap().calls.is_empty());
    }

    #[tokio::test]
    async fn delete_returns_null_or_prior_on_error() {
        let (driver, thing) = configured().await;
        let prior = created();
        let req = request(&prior, &Value::Null, &Value::Null);
        let resp = driver.apply_resource_change(req.clone()).await;
        assert!(resp.diagnostics.is_empty());
        assert_eq!(undv(resp.new_state.as_ref().unwrap()), Value::Null);

        thing.knobs.lock().unwrap().fail_delete = true;
        let resp = driver.apply_resource_change(req).await;
        assert!(resp.diagnostics.has_errors());
        assert_eq!(undv(resp.new_state.as_ref().unwrap()), prior);
        assert_eq!(
            thing.knobs.lock().unwrap().timeouts,
            [Some(Duration::from_secs(180)); 2]
        );
    }

    #[tokio::test]
    async fn unconfigured_provider_is_a_clear_error() {
        let (driver, thing) = driver();
        let resp = driver.apply_resource_change(create_request()).await;
        assert_eq!(resp.diagnostics.0[0].summary, "Provider not configured");
        assert_eq!(undv(resp.new_state.as_ref().unwrap()), Value::Null);
        assert!(thing.knobs.lock().unwrap().calls.is_empty());
    }

    #[tokio::test]
    async fn stop_cancels_the_token_operations_receive() {
        let (driver, _) = configured().await;
        let cx = driver.cx(&thing_schema(), &Value::Null, "create").unwrap();
        assert!(!cx.cancel.is_cancelled());
        driver.stop().await;
        assert!(cx.cancel.is_cancelled());
    }
}
