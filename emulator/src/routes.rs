//! The routing table: `(Action, Version)` → handler. One line per action.

use crate::eci::{data_cache as dc, image_cache as ic, tags as eci_tags};
use crate::ecs::image_pipeline as ip;
use crate::ecs::tags as ecs_tags;
use crate::error::ApiResult;
use crate::sts::{self, STS_VERSION};
use crate::world::{Body, Call, World};

/// ECI API version.
pub const ECI_VERSION: &str = "2018-08-08";
/// ECS API version.
pub const ECS_VERSION: &str = "2014-05-26";

/// A handler validates, mutates the world and returns the response members.
pub type Handler = fn(&mut World, &Call<'_>) -> ApiResult<Body>;

/// One API action.
pub struct Route {
    /// `Action`.
    pub action: &'static str,
    /// `Version`.
    pub version: &'static str,
    /// Whether the action takes a `ClientToken` (idempotency applies).
    pub client_token: bool,
    /// Handler.
    pub handler: Handler,
}

const fn r(
    action: &'static str,
    version: &'static str,
    client_token: bool,
    handler: Handler,
) -> Route {
    Route {
        action,
        version,
        client_token,
        handler,
    }
}

/// Every action the emulator serves.
pub static ROUTES: &[Route] = &[
    r("CreateImageCache", ECI_VERSION, true, ic::create),
    r("DescribeImageCaches", ECI_VERSION, false, ic::describe),
    r("UpdateImageCache", ECI_VERSION, true, ic::update),
    r("DeleteImageCache", ECI_VERSION, true, ic::delete),
    r("CreateDataCache", ECI_VERSION, true, dc::create),
    r("DescribeDataCaches", ECI_VERSION, false, dc::describe),
    r("UpdateDataCache", ECI_VERSION, true, dc::update),
    r("DeleteDataCache", ECI_VERSION, true, dc::delete),
    r("TagResources", ECI_VERSION, false, eci_tags::tag_resources),
    r(
        "UntagResources",
        ECI_VERSION,
        false,
        eci_tags::untag_resources,
    ),
    r(
        "ListTagResources",
        ECI_VERSION,
        false,
        eci_tags::list_tag_resources,
    ),
    r("StartImagePipelineExecution", ECS_VERSION, true, ip::start),
    r(
        "DescribeImagePipelineExecutions",
        ECS_VERSION,
        false,
        ip::describe_executions,
    ),
    r(
        "CancelImagePipelineExecution",
        ECS_VERSION,
        false,
        ip::cancel,
    ),
    r(
        "CreateImagePipeline",
        ECS_VERSION,
        true,
        ip::create_pipeline,
    ),
    r(
        "DescribeImagePipelines",
        ECS_VERSION,
        false,
        ip::describe_pipelines,
    ),
    r(
        "DeleteImagePipeline",
        ECS_VERSION,
        false,
        ip::delete_pipeline,
    ),
    r("AssumeRole", STS_VERSION, false, sts::assume_role),
    r(
        "AssumeRoleWithOIDC",
        STS_VERSION,
        false,
        sts::assume_role_with_oidc,
    ),
    r("TagResources", ECS_VERSION, false, ecs_tags::tag_resources),
    r(
        "UntagResources",
        ECS_VERSION,
        false,
        ecs_tags::untag_resources,
    ),
    r(
        "ListTagResources",
        ECS_VERSION,
        false,
        ecs_tags::list_tag_resources,
    ),
];

/// Look an action up.
pub fn find(action: &str, version: &str) -> Option<&'static Route> {
    ROUTES
        .iter()
        .find(|r| r.action == action && r.version == version)
}

/// Product code for a version (`Eci`, `Ecs`), used in `Recommend` and `HostId`.
pub fn product(version: &str) -> &'static str {
    match version {
        ECS_VERSION => "Ecs",
        STS_VERSION => "Sts",
        _ => "Eci",
    }
}
