//! Mapping between Terraform values and the ECI image cache API: the create
//! request, the attributes Describe reports, and the update request carrying only
//! what changed. Pure functions, so each is unit-tested without the network.

use crate::aliyun::eci::{
    AcrRegistryInfo, CreateImageCacheRequest, ImageCache, ImageRegistryCredential,
    UpdateImageCacheRequest,
};
use crate::resources::common::{changed, events_value, non_empty, tags_from, tags_value};
use crate::tf::Value;

/// The CreateImageCache request for a planned state (`config` carries write-only passwords).
pub(super) fn to_create(planned: &Value, config: &Value) -> CreateImageCacheRequest {
    CreateImageCacheRequest {
        zone_id: str_of(planned, "zone_id"),
        security_group_id: str_of(planned, "security_group_id"),
        v_switch_id: str_of(planned, "vswitch_id"),
        image_cache_name: planned
            .str_attr("image_cache_name")
            .unwrap_or_default()
            .to_string(),
        eip_instance_id: str_of(planned, "eip_instance_id"),
        resource_group_id: str_of(planned, "resource_group_id"),
        image_cache_size: planned.i64_attr("image_cache_size"),
        retention_days: planned.i64_attr("retention_days"),
        auto_match_image_cache: planned.bool_attr("auto_match_image_cache"),
        image_registry_credential: credentials(planned, config),
        image: planned.str_list_attr("images").unwrap_or_default(),
        tag: tags_from(planned.attr("tags")),
        flash: planned.bool_attr("flash"),
        acr_registry_info: acr_infos(planned, true),
        annotations: str_of(planned, "annotations"),
        plain_http_registry: joined(planned, "plain_http_registries"),
        insecure_registry: joined(planned, "insecure_registries"),
        standard_copy_count: planned.i64_attr("standard_copy_count"),
        flash_copy_count: planned.i64_attr("flash_copy_count"),
        elimination_strategy: str_of(planned, "elimination_strategy"),
        os_type: str_of(planned, "os_type"),
    }
}

/// Every attribute DescribeImageCaches reports, by attribute name (shared with
/// the `aliyun_eci_image_caches` data source).
pub(crate) fn reported(c: &ImageCache) -> Vec<(&'static str, Value)> {
    vec![
        ("id", Value::from(c.image_cache_id.as_str())),
        ("image_cache_name", Value::from(c.image_cache_name.as_str())),
        ("images", Value::str_set(c.images.iter().cloned())),
        ("image_cache_size", Value::from(c.image_cache_size)),
        ("resource_group_id", non_empty(&c.resource_group_id)),
        ("elimination_strategy", non_empty(&c.elimination_strategy)),
        ("tags", tags_value(&c.tags, &Value::Null)),
        ("status", Value::from(c.status.as_str())),
        ("progress", Value::from(c.progress.as_str())),
        ("snapshot_id", non_empty(&c.snapshot_id)),
        ("flash_snapshot_id", non_empty(&c.flash_snapshot_id)),
        ("container_group_id", non_empty(&c.container_group_id)),
        ("creation_time", non_empty(&c.creation_time)),
        ("expire_date_time", non_empty(&c.expire_date_time)),
        ("last_matched_time", non_empty(&c.last_matched_time)),
        ("region_id", non_empty(&c.region_id)),
        ("events", events_value(&c.events)),
    ]
}

/// Copies what DescribeImageCaches returns into `state`; everything it does not
/// return is left as it was (planned or prior values). Images keep the user's
/// spelling and tags the user's empty map, so neither shows up as a diff.
pub(super) fn from_api(state: &mut Value, c: &ImageCache) {
    let images = keep_equivalent_images(state.attr("images"), &c.images);
    let tags = tags_value(&c.tags, state.attr("tags"));
    for (name, value) in reported(c) {
        state.set_attr(name, value);
    }
    state.set_attr("images", images);
    state.set_attr("tags", tags);
}

/// The UpdateImageCache request carrying only what changed from `prior` to
/// `planned`, or `None` when the call has nothing to send (so the API never
/// answers `NoNeedUpdate` to a change Terraform planned). Tags are handled
/// separately; create-only arguments never reach here (they replace the cache,
/// or are adopted from null after an import without a call).
pub(super) fn changes(
    id: &str,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> Option<UpdateImageCacheRequest> {
    let mut req = UpdateImageCacheRequest {
        image_cache_id: id.to_string(),
        ..Default::default()
    };
    let touch = |name: &str| changed(prior, planned, name);
    if touch("image_cache_name") {
        req.image_cache_name = str_of(planned, "image_cache_name");
    }
    if touch("security_group_id") {
        req.security_group_id = str_of(planned, "security_group_id");
    }
    if touch("vswitch_id") {
        req.v_switch_id = str_of(planned, "vswitch_id");
    }
    if touch("eip_instance_id") {
        req.eip_instance_id = str_of(planned, "eip_instance_id");
    }
    if touch("resource_group_id") {
        req.resource_group_id = str_of(planned, "resource_group_id");
    }
    if touch("image_cache_size") {
        req.image_cache_size = planned.i64_attr("image_cache_size");
    }
    if touch("retention_days") {
        req.retention_days = planned.i64_attr("retention_days");
    }
    // Removing these restores the API's defaults.
    if touch("auto_match_image_cache") {
        req.auto_match_image_cache =
            Some(planned.bool_attr("auto_match_image_cache").unwrap_or(false));
    }
    if touch("flash") {
        req.flash = Some(planned.bool_attr("flash").unwrap_or(false));
    }
    if touch("standard_copy_count") {
        req.standard_copy_count = Some(planned.i64_attr("standard_copy_count").unwrap_or(1));
    }
    if touch("flash_copy_count") {
        req.flash_copy_count = Some(planned.i64_attr("flash_copy_count").unwrap_or(1));
    }
    if touch("elimination_strategy") {
        req.elimination_strategy = Some(
            planned
                .str_attr("elimination_strategy")
                .unwrap_or_default()
                .to_string(),
        );
    }
    let credentials_changed = touch("image_registry_credential");
    if credentials_changed {
        req.image_registry_credential = credentials(planned, config);
    }
    let acr_changed = touch("acr_registry_info");
    if acr_changed {
        req.acr_registry_info = acr_infos(planned, false);
    }
    // The image data is refreshed only when the image list is sent (documented for
    // UpdateImageCache, even with an unchanged list), so it
    // goes with every change that affects what is pulled, but not with an adoption of
    // values that were merely unknown after an import.
    let repull = [
        "images",
        "image_cache_size",
        "flash",
        "standard_copy_count",
        "flash_copy_count",
        "auto_match_image_cache",
    ]
    .iter()
    .any(|n| changed(prior, planned, n) && !prior.attr(n).is_null())
        || (credentials_changed
            && !prior
                .attr("image_registry_credential")
                .as_list()
                .unwrap_or_default()
                .is_empty())
        || (acr_changed
            && !prior
                .attr("acr_registry_info")
                .as_list()
                .unwrap_or_default()
                .is_empty());
    // A cache whose last update failed holds stale data: any update re-pulls, which
    // is also how the next apply retries the failed one (see `modify_plan`).
    let failed_before = prior.str_attr("status") == Some("UpdateFailed");
    if touch("images") || repull || failed_before {
        req.image = planned.str_list_attr("images").unwrap_or_default();
    }
    // Removing a value the API cannot clear (an EIP, a retention) leaves nothing to
    // send; an empty request could only fail with NoNeedUpdate.
    let sends_something = req
        != UpdateImageCacheRequest {
            image_cache_id: id.to_string(),
            ..Default::default()
        };
    sends_something.then_some(req)
}

fn str_of(v: &Value, name: &str) -> Option<String> {
    v.str_attr(name).map(str::to_string)
}

/// A set of strings joined with commas, as the API takes registry lists.
fn joined(v: &Value, name: &str) -> Option<String> {
    v.str_list_attr(name)
        .filter(|l| !l.is_empty())
        .map(|l| l.join(","))
}

/// Registry credentials; a write-only password comes from the configuration,
/// since planned and prior states never hold it.
fn credentials(planned: &Value, config: &Value) -> Vec<ImageRegistryCredential> {
    let configured = config
        .attr("image_registry_credential")
        .as_list()
        .unwrap_or_default();
    planned
        .attr("image_registry_credential")
        .as_list()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let password = c
                .str_attr("password")
                .or_else(|| configured.get(i).and_then(|cc| cc.str_attr("password_wo")))
                .unwrap_or_default();
            ImageRegistryCredential {
                server: c.str_attr("server").unwrap_or_default().to_string(),
                user_name: c.str_attr("user_name").unwrap_or_default().to_string(),
                password: password.into(),
            }
        })
        .collect()
}

/// ACR registry infos; the cross-account role ARNs are accepted only by Create.
fn acr_infos(planned: &Value, for_create: bool) -> Vec<AcrRegistryInfo> {
    planned
        .attr("acr_registry_info")
        .as_list()
        .unwrap_or_default()
        .iter()
        .map(|a| AcrRegistryInfo {
            instance_id: str_of(a, "instance_id"),
            instance_name: str_of(a, "instance_name"),
            region_id: str_of(a, "region_id"),
            domain: a.str_list_attr("domains").unwrap_or_default(),
            arn_service: str_of(a, "arn_service").filter(|_| for_create),
            arn_user: str_of(a, "arn_user").filter(|_| for_create),
        })
        .collect()
}

/// The `images` set from the API's list, keeping the user's spelling of each image
/// the API reports in a normalised form (`nginx` vs `docker.io/library/nginx:latest`),
/// so normalisation never shows up as a diff.
fn keep_equivalent_images(prior: &Value, api: &[String]) -> Value {
    let prior: Vec<String> = prior
        .as_list()
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let images = api.iter().map(|img| {
        prior
            .iter()
            .find(|p| normalize_image(p) == normalize_image(img))
            .cloned()
            .unwrap_or_else(|| img.clone())
    });
    Value::str_set(images)
}

/// The canonical form of an image reference: registry `docker.io`, namespace
/// `library` for official images, tag `latest` when neither tag nor digest is given.
pub(super) fn normalize_image(image: &str) -> String {
    let (name, suffix) = match image.split_once('@') {
        Some((n, digest)) => (n.to_string(), format!("@{digest}")),
        None => {
            let last_slash = image.rfind('/').map_or(0, |i| i + 1);
            match image[last_slash..].rfind(':') {
                Some(i) => (
                    image[..last_slash + i].to_string(),
                    image[last_slash + i..].to_string(),
                ),
                None => (image.to_string(), ":latest".to_string()),
            }
        }
    };
    let first = name.split('/').next().unwrap_or_default();
    let has_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let full = if has_registry {
        // Docker Hub's other names.
        match name.split_once('/') {
            Some(("docker.io" | "index.docker.io" | "registry-1.docker.io", rest))
                if rest.contains('/') =>
            {
                format!("docker.io/{rest}")
            }
            Some(("docker.io" | "index.docker.io" | "registry-1.docker.io", rest)) => {
                format!("docker.io/library/{rest}")
            }
            _ => name,
        }
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    };
    format!("{full}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::objects::full_object;
    use crate::tf::value::with_strict_names;

    /// Every attribute name the mapping reads or writes is in the schema.
    #[test]
    fn the_mapping_names_only_attributes_of_the_schema() {
        let mut state = full_object(&super::super::schema().block);
        with_strict_names(|| {
            let _ = to_create(&state, &state);
            let _ = changes("imc-1", &state, &state, &state);
            from_api(&mut state, &ImageCache::default());
        });
    }

    #[test]
    fn every_attribute_is_read_back_computed_or_marked_never_returned() {
        let mut read_back: Vec<&str> = reported(&ImageCache::default())
            .iter()
            .map(|(n, _)| *n)
            .collect();
        // Recovered from the expiry after an import (`common::recover_retention`).
        read_back.push("retention_days");
        let schema = super::super::schema();
        assert_eq!(
            crate::driver::unaccounted(&schema.block, &read_back),
            Vec::<String>::new()
        );
    }

    #[test]
    fn docker_hub_has_several_names() {
        for same in [
            "nginx:1.25",
            "library/nginx:1.25",
            "docker.io/nginx:1.25",
            "docker.io/library/nginx:1.25",
            "index.docker.io/library/nginx:1.25",
            "registry-1.docker.io/nginx:1.25",
        ] {
            assert_eq!(
                normalize_image(same),
                "docker.io/library/nginx:1.25",
                "{same}"
            );
        }
        assert_ne!(normalize_image("nginx:1.25"), normalize_image("nginx:1.26"));
    }

    #[test]
    fn image_normalisation() {
        assert_eq!(normalize_image("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(
            normalize_image("nginx:1.25"),
            "docker.io/library/nginx:1.25"
        );
        assert_eq!(normalize_image("team/app"), "docker.io/team/app:latest");
        assert_eq!(
            normalize_image("registry.example.com:5000/app"),
            "registry.example.com:5000/app:latest"
        );
        assert_eq!(
            normalize_image("docker.io/library/nginx:latest"),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(
            normalize_image("busybox@sha256:abc"),
            "docker.io/library/busybox@sha256:abc"
        );
        let kept = keep_equivalent_images(
            &Value::str_set(["nginx"]),
            &["docker.io/library/nginx:latest".to_string()],
        );
        assert_eq!(kept, Value::str_set(["nginx"]));
    }
}
