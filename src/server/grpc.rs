//! The `tfplugin6.Provider` gRPC service over a [`ProviderServer`].
//!
//! Every method does the same: tag the log context with the RPC name and resource
//! type, convert the request, call the provider, convert the answer. Problems a user
//! can cause travel as diagnostics; `tonic::Status` is never returned (a message that
//! cannot even be decoded is rejected by tonic before it reaches us).

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};

use crate::server::convert;
use crate::server::log::in_rpc;
use crate::server::proto::tfplugin6 as pb;
use crate::tf::protocol::ProviderServer;

/// Largest gRPC message either way. Terraform's Go SDK allows 256 MiB; states and
/// schemas never come near it, but a lower limit would turn an unusually large
/// state into an opaque transport error instead of something we can diagnose.
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// The service: a handle on the provider.
pub struct ProviderService {
    provider: Arc<dyn ProviderServer>,
}

impl ProviderService {
    /// Serves `provider`.
    pub fn new(provider: Arc<dyn ProviderServer>) -> Self {
        ProviderService { provider }
    }

    /// The tonic service with raised message limits.
    pub fn into_server(self) -> pb::provider_server::ProviderServer<Self> {
        pb::provider_server::ProviderServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }
}

type Reply<T> = Result<Response<T>, Status>;

/// Runs one RPC inside its log context: one debug line when it is answered (with
/// its duration), its start at trace.
async fn rpc<T>(name: &'static str, type_name: &str, f: impl Future<Output = T>) -> Reply<T> {
    let label = if type_name.is_empty() {
        name.to_string()
    } else {
        format!("{name}({type_name})")
    };
    in_rpc(name, type_name, async {
        log::trace!(target: "tfplugin6", "{label} received");
        let started = Instant::now();
        let out = f.await;
        log::debug!(target: "tfplugin6", "{label} answered in {:?}", started.elapsed());
        Ok(Response::new(out))
    })
    .await
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Reply<pb::get_metadata::Response> {
        rpc("GetMetadata", "", async { self.provider.schema().into() }).await
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Reply<pb::get_provider_schema::Response> {
        rpc("GetProviderSchema", "", async {
            self.provider.schema().into()
        })
        .await
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Reply<pb::validate_provider_config::Response> {
        let config = req.into_inner().config.into();
        rpc("ValidateProviderConfig", "", async {
            let diags = self.provider.validate_provider_config(config).await;
            pb::validate_provider_config::Response {
                diagnostics: convert::diagnostics(diags),
            }
        })
        .await
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Reply<pb::validate_resource_config::Response> {
        let req = req.into_inner();
        rpc("ValidateResourceConfig", &req.type_name.clone(), async {
            let diags = self.provider.validate_resource_config(req.into()).await;
            pb::validate_resource_config::Response {
                diagnostics: convert::diagnostics(diags),
            }
        })
        .await
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Reply<pb::validate_data_resource_config::Response> {
        let req = req.into_inner();
        rpc(
            "ValidateDataResourceConfig",
            &req.type_name.clone(),
            async {
                let diags = self
                    .provider
                    .validate_data_resource_config(req.into())
                    .await;
                pb::validate_data_resource_config::Response {
                    diagnostics: convert::diagnostics(diags),
                }
            },
        )
        .await
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Reply<pb::upgrade_resource_state::Response> {
        let req = req.into_inner();
        rpc("UpgradeResourceState", &req.type_name.clone(), async {
            self.provider
                .upgrade_resource_state(req.into())
                .await
                .into()
        })
        .await
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Reply<pb::configure_provider::Response> {
        let req = req.into_inner();
        rpc("ConfigureProvider", "", async {
            let diags = self.provider.configure_provider(req.into()).await;
            pb::configure_provider::Response {
                diagnostics: convert::diagnostics(diags),
            }
        })
        .await
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Reply<pb::read_resource::Response> {
        let req = req.into_inner();
        rpc("ReadResource", &req.type_name.clone(), async {
            self.provider.read_resource(req.into()).await.into()
        })
        .await
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Reply<pb::plan_resource_change::Response> {
        let req = req.into_inner();
        rpc("PlanResourceChange", &req.type_name.clone(), async {
            self.provider.plan_resource_change(req.into()).await.into()
        })
        .await
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Reply<pb::apply_resource_change::Response> {
        let req = req.into_inner();
        rpc("ApplyResourceChange", &req.type_name.clone(), async {
            self.provider.apply_resource_change(req.into()).await.into()
        })
        .await
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Reply<pb::import_resource_state::Response> {
        let req = req.into_inner();
        rpc("ImportResourceState", &req.type_name.clone(), async {
            self.provider.import_resource_state(req.into()).await.into()
        })
        .await
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> Reply<pb::move_resource_state::Response> {
        let req = req.into_inner();
        rpc("MoveResourceState", &req.target_type_name, async {
            let detail = format!(
                "The aliyun provider cannot move a {} ({}) into a {}: moving state \
                 between resource types is not supported. Remove the `moved` block \
                 and import the object instead.",
                req.source_type_name, req.source_provider_address, req.target_type_name
            );
            pb::move_resource_state::Response {
                diagnostics: convert::error("Move not supported", detail),
                ..Default::default()
            }
        })
        .await
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Reply<pb::read_data_source::Response> {
        let req = req.into_inner();
        rpc("ReadDataSource", &req.type_name.clone(), async {
            self.provider.read_data_source(req.into()).await.into()
        })
        .await
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Reply<pb::validate_ephemeral_resource_config::Response> {
        let t = req.into_inner().type_name;
        rpc("ValidateEphemeralResourceConfig", &t, async {
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: no_ephemeral(&t),
            }
        })
        .await
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Reply<pb::open_ephemeral_resource::Response> {
        let t = req.into_inner().type_name;
        rpc("OpenEphemeralResource", &t, async {
            pb::open_ephemeral_resource::Response {
                diagnostics: no_ephemeral(&t),
                ..Default::default()
            }
        })
        .await
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Reply<pb::renew_ephemeral_resource::Response> {
        let t = req.into_inner().type_name;
        rpc("RenewEphemeralResource", &t, async {
            pb::renew_ephemeral_resource::Response {
                diagnostics: no_ephemeral(&t),
                ..Default::default()
            }
        })
        .await
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Reply<pb::close_ephemeral_resource::Response> {
        let t = req.into_inner().type_name;
        rpc("CloseEphemeralResource", &t, async {
            pb::close_ephemeral_resource::Response {
                diagnostics: no_ephemeral(&t),
            }
        })
        .await
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Reply<pb::get_functions::Response> {
        rpc("GetFunctions", "", async { Default::default() }).await
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Reply<pb::call_function::Response> {
        let name = req.into_inner().name;
        rpc("CallFunction", "", async {
            pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text: format!("The aliyun provider defines no function named {name:?}."),
                    function_argument: None,
                }),
            }
        })
        .await
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Reply<pb::stop_provider::Response> {
        rpc("StopProvider", "", async {
            self.provider.stop().await;
            pb::stop_provider::Response::default()
        })
        .await
    }
}

fn no_ephemeral(type_name: &str) -> Vec<pb::Diagnostic> {
    convert::error(
        "Unknown ephemeral resource type",
        format!("The aliyun provider has no ephemeral resources; {type_name:?} is not one."),
    )
}
