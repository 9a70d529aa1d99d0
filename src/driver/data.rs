//! `ReadDataSource`: the state starts as the configuration; the data source fills
//! in its computed attributes.

use super::objects::finish;
use super::{decode, encode, log_done, Driver};
use crate::tf::protocol::{ReadDataSourceRequest, ReadDataSourceResponse};
use crate::tf::Provider;

impl<P: Provider> Driver<P> {
    pub(super) async fn read_data(&self, req: ReadDataSourceRequest) -> ReadDataSourceResponse {
        const RPC: &str = "ReadDataSource";
        let mut resp = ReadDataSourceResponse::default();
        let diags = &mut resp.diagnostics;
        let Some(d) = self.data_source(&req.type_name, diags) else {
            return resp;
        };
        let Some(mut state) = decode(&req.config, &d.ty, "configuration", diags) else {
            return resp;
        };
        match self.cx(&d.schema, &state, "read") {
            Err(e) => diags.extend(e),
            Ok(cx) => d.imp.read(&cx, &mut state, diags).await,
        }
        // A failed read has no state worth encoding; Terraform stops at the error.
        if !diags.has_errors() {
            finish(&d.schema.block, &mut state);
            resp.state = encode(&state, &d.ty, diags);
        }
        log_done(RPC, &resp.diagnostics);
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::tf::protocol::{ProviderServer, ReadDataSourceRequest};
    use crate::tf::{msgpack, Value};

    fn request(name: &str) -> ReadDataSourceRequest {
        ReadDataSourceRequest {
            type_name: "fake_info".into(),
            config: info_dv(Value::from(name)),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn reads_and_leaves_nothing_unknown() {
        let (driver, _) = configured().await;
        let resp = driver.read_data_source(request("x")).await;
        assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
        let state =
            msgpack::decode(&resp.state.unwrap().msgpack, &info_schema().value_type()).unwrap();
        let want = Value::object([
            ("name", "x".into()),
            ("value", "v-x".into()),
            ("later", Value::Null),
        ]);
        assert_eq!(state, want);
    }

    #[tokio::test]
    async fn errors_return_no_state() {
        let (driver, _) = configured().await;
        let resp = driver.read_data_source(request("missing")).await;
        assert!(resp.diagnostics.has_errors());
        assert!(resp.state.is_none());
    }

    #[tokio::test]
    async fn an_unconfigured_provider_is_an_error() {
        let (driver, _) = driver();
        let resp = driver.read_data_source(request("x")).await;
        assert_eq!(resp.diagnostics.0[0].summary, "Provider not configured");
    }
}
