//! `ReadResource`, `ImportResourceState` and `UpgradeResourceState`: the RPCs that
//! produce a state without a plan.

use super::objects::{finish, null_object};
use super::{decode, encode, log_done, push_at, Driver};
use crate::tf::protocol::{
    ImportResourceStateRequest, ImportResourceStateResponse, ImportedResource, ReadResourceRequest,
    ReadResourceResponse, UpgradeResourceStateRequest, UpgradeResourceStateResponse,
};
use crate::tf::provider::Existence;
use crate::tf::value::with_strict_names;
use crate::tf::{json, Provider, Value};

impl<P: Provider> Driver<P> {
    /// Refreshes the state. On error the current state comes back unchanged, so a
    /// failed refresh never loses or corrupts what Terraform knows.
    pub(super) async fn read(&self, req: ReadResourceRequest) -> ReadResourceResponse {
        const RPC: &str = "ReadResource";
        let mut resp = ReadResourceResponse {
            private: req.private.clone(),
            ..Default::default()
        };
        let diags = &mut resp.diagnostics;
        let Some(r) = self.resource(&req.type_name, diags) else {
            return resp;
        };
        let Some(current) = decode(&req.current_state, &r.ty, "current state", diags) else {
            return resp;
        };
        let new_state = if current.is_null() {
            Value::Null
        } else {
            match self.cx(&r.schema, &current, "read") {
                Err(d) => {
                    diags.extend(d);
                    current
                }
                Ok(mut cx) => {
                    cx.imported = super::private::is_imported(&req.private);
                    let mut state = current.clone();
                    let existence = r.imp.read(&cx, &mut state, diags).await;
                    if diags.has_errors() {
                        current
                    } else if existence == Existence::Gone {
                        Value::Null
                    } else {
                        finish(&r.schema.block, &mut state);
                        state
                    }
                }
            }
        };
        resp.new_state = encode(&new_state, &r.ty, diags);
        log_done(RPC, &resp.diagnostics);
        resp
    }

    /// Turns an import ID into a state of nulls plus what the resource's `import`
    /// sets (usually `id`); Terraform reads it next.
    pub(super) fn import(&self, req: ImportResourceStateRequest) -> ImportResourceStateResponse {
        const RPC: &str = "ImportResourceState";
        let mut resp = ImportResourceStateResponse::default();
        let diags = &mut resp.diagnostics;
        let Some(r) = self.resource(&req.type_name, diags) else {
            return resp;
        };
        let mut state = null_object(&r.schema.block);
        with_strict_names(|| r.imp.import(&req.id, &mut state, diags));
        if !diags.has_errors() {
            finish(&r.schema.block, &mut state);
            if let Some(state) = encode(&state, &r.ty, diags) {
                resp.imported_resources.push(ImportedResource {
                    type_name: req.type_name.clone(),
                    state,
                    private: super::private::mark_imported(&[]),
                });
            }
        }
        log_done(RPC, &resp.diagnostics);
        resp
    }

    /// Re-reads stored JSON state with the current schema. Terraform calls this on
    /// every plan, even at the same version; the lenient JSON decoding is the whole
    /// upgrade (attributes added since are null, removed ones dropped).
    pub(super) fn upgrade(&self, req: UpgradeResourceStateRequest) -> UpgradeResourceStateResponse {
        const RPC: &str = "UpgradeResourceState";
        let mut resp = UpgradeResourceStateResponse::default();
        let diags = &mut resp.diagnostics;
        let Some(r) = self.resource(&req.type_name, diags) else {
            return resp;
        };
        if req.version > r.schema.version {
            diags.error(
                "State from a newer provider",
                format!(
                    "This state was written with schema version {} of `{}`, but this provider only knows version {}. Upgrade the provider.",
                    req.version, req.type_name, r.schema.version
                ),
            );
            return resp;
        }
        let raw = &req.raw_state;
        let mut state = if !raw.json.is_empty() {
            match json::decode(&raw.json, &r.ty) {
                Ok(v) => v,
                Err(e) => {
                    let detail =
                        format!("The stored state does not match the schema: {}.", e.message);
                    push_at(diags, e.path, "Invalid stored state", detail);
                    return resp;
                }
            }
        } else if !raw.flatmap.is_empty() {
            diags.error(
                "Legacy state format",
                "This state is in the flatmap format of Terraform 0.11 and earlier, which this provider cannot read. Refresh it with a Terraform version between 0.12 and 1.x first.",
            );
            return resp;
        } else {
            Value::Null
        };
        finish(&r.schema.block, &mut state);
        resp.upgraded_state = encode(&state, &r.ty, diags);
        log_done(RPC, &resp.diagnostics);
        resp
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::testing::*;
    use crate::tf::protocol::{
        ImportResourceStateRequest, ProviderServer, RawState, ReadResourceRequest,
        UpgradeResourceStateRequest,
    };
    use crate::tf::Value;

    fn current() -> Value {
        thing(&[
            ("id", "thing-1".into()),
            ("name", "a".into()),
            ("status", "old".into()),
        ])
    }

    fn read_request() -> ReadResourceRequest {
        ReadResourceRequest {
            type_name: "fake_thing".into(),
            current_state: dv(&current()),
            private: b"keep-me".to_vec(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn read_refreshes_and_echoes_private() {
        let (driver, _) = configured().await;
        let resp = driver.read_resource(read_request()).await;
        assert!(resp.diagnostics.is_empty());
        let state = undv(resp.new_state.as_ref().unwrap());
        assert_eq!(state.str_attr("status"), Some("ready"));
        assert_eq!(resp.private, b"keep-me");
    }

    #[tokio::test]
    async fn read_gone_is_null() {
        let (driver, thing) = configured().await;
        thing.knobs.lock().unwrap().gone = true;
        let resp = driver.read_resource(read_request()).await;
        assert!(resp.diagnostics.is_empty());
        assert_eq!(undv(resp.new_state.as_ref().unwrap()), Value::Null);
    }

    #[tokio::test]
    async fn read_error_returns_the_current_state_unchanged() {
        let (driver, thing) = configured().await;
        thing.knobs.lock().unwrap().fail_read = true;
        let resp = driver.read_resource(read_request()).await;
        assert!(resp.diagnostics.has_errors());
        assert_eq!(undv(resp.new_state.as_ref().unwrap()), current());
        assert_eq!(resp.private, b"keep-me");
    }

    #[tokio::test]
    async fn import_returns_one_object_of_nulls_with_the_id() {
        let (driver, _) = driver();
        let req = ImportResourceStateRequest {
            type_name: "fake_thing".into(),
            id: "thing-9".into(),
            ..Default::default()
        };
        let resp = driver.import_resource_state(req).await;
        assert!(resp.diagnostics.is_empty());
        assert_eq!(resp.imported_resources.len(), 1);
        let imported = &resp.imported_resources[0];
        assert_eq!(imported.type_name, "fake_thing");
        assert_eq!(undv(&imported.state), thing(&[("id", "thing-9".into())]));
        assert!(
            super::super::private::is_imported(&imported.private),
            "an imported object is marked until applied"
        );
    }

    async fn upgrade(json: &str) -> crate::tf::protocol::UpgradeResourceStateResponse {
        let (driver, _) = driver();
        let req = UpgradeResourceStateRequest {
            type_name: "fake_thing".into(),
            version: 0,
            raw_state: RawState {
                json: json.as_bytes().to_vec(),
                flatmap: BTreeMap::new(),
            },
        };
        driver.upgrade_resource_state(req).await
    }

    #[tokio::test]
    async fn upgrade_drops_removed_and_nulls_missing_attributes() {
        let resp = upgrade(r#"{"id":"thing-1","name":"a","size":"30","removed_long_ago":true,"rule":null,"password":"x"}"#).await;
        assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
        let state = undv(resp.upgraded_state.as_ref().unwrap());
        let want = thing(&[
            ("id", "thing-1".into()),
            ("name", "a".into()),
            ("size", 30i64.into()),
        ]);
        assert_eq!(
            state, want,
            "blocks empty, write-only null, unknown attribute gone"
        );
    }

    #[tokio::test]
    async fn upgrade_errors_are_diagnostics() {
        let resp = upgrade(r#"{"cred":[{"server":{}}]}"#).await;
        assert_eq!(paths(&resp.diagnostics), ["cred[0].server"]);
        assert!(resp.upgraded_state.is_none());

        let (driver, _) = driver();
        let flatmap = UpgradeResourceStateRequest {
            type_name: "fake_thing".into(),
            raw_state: RawState {
                json: Vec::new(),
                flatmap: BTreeMap::from([("id".to_string(), "x".to_string())]),
            },
            ..Default::default()
        };
        let resp = driver.upgrade_resource_state(flatmap).await;
        assert_eq!(resp.diagnostics.0[0].summary, "Legacy state format");
        let newer = UpgradeResourceStateRequest {
            type_name: "fake_thing".into(),
            version: 3,
            raw_state: RawState::default(),
        };
        assert!(driver
            .upgrade_resource_state(newer)
            .await
            .diagnostics
            .has_errors());
    }
}
