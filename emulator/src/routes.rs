//! The routing table: `(Action, Version)` → handler. Each kind declares its
//! own actions ([`Kind::ROUTES`](crate::kind::Kind::ROUTES)); this file holds
//! the actions that belong to no single kind (the products' tag APIs, STS).

use crate::eci::tags as eci_tags;
use crate::ecs::tags as ecs_tags;
use crate::error::ApiResult;
use crate::kind::KINDS;
use crate::sts::{self, STS_VERSION};
use crate::world::{Body, Call, World};

/// ECI API version.
pub const ECI_VERSION: &str = "2018-08-08";
/// ECS API version.
pub const ECS_VERSION: &str = "2014-05-26";

/// A handler validates, mutates the world and returns the response members.
pub type Handler = fn(&mut World, &Call<'_>) -> ApiResult<Body>;

/// One API action.
#[derive(Debug)]
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

/// A table entry.
pub const fn r(
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

/// The actions that belong to no single kind.
pub static SHARED_ROUTES: &[Route] = &[
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

/// Every action the emulator serves: the kinds' then the shared ones.
pub fn all() -> impl Iterator<Item = &'static Route> {
    KINDS
        .iter()
        .flat_map(|k| k.routes.iter())
        .chain(SHARED_ROUTES)
}

/// Look an action up.
pub fn find(action: &str, version: &str) -> Option<&'static Route> {
    all().find(|r| r.action == action && r.version == version)
}

/// Product code for a version (`Eci`, `Ecs`), used in `Recommend` and `HostId`.
pub fn product(version: &str) -> &'static str {
    match version {
        ECS_VERSION => "Ecs",
        STS_VERSION => "Sts",
        _ => "Eci",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_routed_once() {
        let mut seen: Vec<_> = all().map(|r| (r.action, r.version)).collect();
        let n = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), n, "an action is declared twice");
        for (action, version) in [
            ("CreateImageCache", ECI_VERSION),
            ("DeleteDataCache", ECI_VERSION),
            ("StartImagePipelineExecution", ECS_VERSION),
            ("DeleteImagePipeline", ECS_VERSION),
            ("TagResources", ECS_VERSION),
            ("AssumeRole", STS_VERSION),
        ] {
            assert!(find(action, version).is_some(), "{action} {version}");
        }
        assert!(find("CreateImageCache", ECS_VERSION).is_none());
    }
}
