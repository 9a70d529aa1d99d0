//! go-plugin's `plugin.GRPCController`: Terraform calls `Shutdown` when it is done
//! with the process, and we stop serving and exit 0.

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::server::proto::plugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use crate::server::proto::plugin::Empty;

/// Trips `shutdown` when Terraform asks the plugin to go away.
pub struct Controller {
    shutdown: Option<CancellationToken>,
}

impl Controller {
    /// A controller that ends the server by cancelling `shutdown`; `None` ignores
    /// the request (debug mode, where one process outlives many Terraform runs).
    pub fn new(shutdown: Option<CancellationToken>) -> Self {
        Controller { shutdown }
    }

    /// The tonic service.
    pub fn into_server(self) -> GrpcControllerServer<Self> {
        GrpcControllerServer::new(self)
    }
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        match &self.shutdown {
            Some(token) => {
                log::debug!(target: "tfplugin6", "Shutdown: stopping the server");
                // The answer still goes out: tonic drains in-flight calls first.
                token.cancel();
            }
            None => log::debug!(target: "tfplugin6", "Shutdown ignored in debug mode"),
        }
        Ok(Response::new(Empty {}))
    }
}
