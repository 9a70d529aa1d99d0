//! Mapping between Terraform values and the ECI data cache API: the create
//! request, the attributes Describe reports, and the update request carrying only
//! what changed. Pure functions, so each is unit-tested without the network.

use std::collections::BTreeMap;

use crate::aliyun::eci::{
    CreateDataCacheRequest, DataCache, DataSource, EipCreateParam, UpdateDataCacheRequest,
};
use crate::resources::common::{changed, events_value, non_empty, tags_from, tags_value};
use crate::tf::Value;

pub(super) fn to_create(planned: &Value) -> CreateDataCacheRequest {
    CreateDataCacheRequest {
        security_group_id: str_of(planned, "security_group_id"),
        v_switch_id: str_of(planned, "vswitch_id"),
        bucket: str_of(planned, "bucket"),
        path: str_of(planned, "path"),
        name: str_of(planned, "name"),
        size: planned.i64_attr("size"),
        data_source: data_source(planned),
        retention_days: planned.i64_attr("retention_days"),
        tag: tags_from(planned.attr("tags")),
        resource_group_id: str_of(planned, "resource_group_id"),
        eip_instance_id: str_of(planned, "eip_instance_id"),
        eip_create_param: eip_create_param(planned),
    }
}

/// Every attribute DescribeDataCaches reports, by attribute name (shared with the
/// `aliyun_eci_data_caches` data source).
pub(crate) fn reported(c: &DataCache) -> Vec<(&'static str, Value)> {
    let options = if c.data_source.options.is_empty() {
        Value::Null
    } else {
        Value::str_map(c.data_source.options.clone())
    };
    let source = Value::object([
        ("type", Value::from(c.data_source.source_type.as_str())),
        ("options", options),
    ]);
    vec![
        ("id", Value::from(c.data_cache_id.as_str())),
        ("name", non_empty(&c.name)),
        ("bucket", non_empty(&c.bucket)),
        ("path", non_empty(&c.path)),
        ("size", Value::from(c.size)),
        ("data_source", Value::List(vec![source])),
        ("resource_group_id", non_empty(&c.resource_group_id)),
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

/// Copies what DescribeDataCaches returns into `state`; the rest is left as it was.
/// Tags and options keep the user's empty map, so neither shows up as a diff.
pub(super) fn from_api(state: &mut Value, c: &DataCache) {
    let tags = tags_value(&c.tags, state.attr("tags"));
    let prior_options = state
        .attr("data_source")
        .as_list()
        .and_then(|l| l.first())
        .map(|s| s.attr("options").clone())
        .unwrap_or_default();
    for (name, value) in reported(c) {
        state.set_attr(name, value);
    }
    state.set_attr("tags", tags);
    if c.data_source.options.is_empty() && matches!(prior_options, Value::Map(_)) {
        if let Some(Value::List(sources)) = state.attr_mut("data_source") {
            sources[0].set_attr("options", prior_options);
        }
    }
}

/// The UpdateDataCache request with only what changed, or `None` when there is
/// nothing to send. Tags go through TagResources; `bucket` and `path` replace.
pub(super) fn changes(id: &str, prior: &Value, planned: &Value) -> Option<UpdateDataCacheRequest> {
    let mut req = UpdateDataCacheRequest {
        data_cache_id: id.to_string(),
        ..Default::default()
    };
    let touch = |name: &str| changed(prior, planned, name);
    if touch("name") {
        req.name = str_of(planned, "name");
    }
    if touch("size") {
        req.size = planned.i64_attr("size");
    }
    if touch("retention_days") {
        req.retention_days = planned.i64_attr("retention_days");
    }
    if touch("resource_group_id") {
        req.resource_group_id = str_of(planned, "resource_group_id");
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
    if touch("eip_create_param") {
        req.eip_create_param = eip_create_param(planned);
    }
    if touch("data_source") {
        req.data_source = data_source(planned);
    }
    // A request that would carry nothing is not sent (it could only fail with NoNeedUpdate).
    let sends_something = req
        != UpdateDataCacheRequest {
            data_cache_id: id.to_string(),
            ..Default::default()
        };
    sends_something.then_some(req)
}

fn str_of(v: &Value, name: &str) -> Option<String> {
    v.str_attr(name).map(str::to_string)
}

fn data_source(planned: &Value) -> Option<DataSource> {
    let source = planned.attr("data_source").as_list()?.first()?;
    Some(DataSource {
        source_type: source.str_attr("type").unwrap_or_default().to_string(),
        options: source.str_map_attr("options").unwrap_or_else(BTreeMap::new),
    })
}

fn eip_create_param(planned: &Value) -> Option<EipCreateParam> {
    let p = planned.attr("eip_create_param").as_list()?.first()?;
    Some(EipCreateParam {
        bandwidth: p.i64_attr("bandwidth"),
        common_bandwidth_package: str_of(p, "common_bandwidth_package"),
        internet_charge_type: str_of(p, "internet_charge_type"),
        public_ip_address_pool_id: str_of(p, "public_ip_address_pool_id"),
        isp: str_of(p, "isp"),
    })
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
            let _ = to_create(&state);
            let _ = changes("edc-1", &state, &state);
            from_api(&mut state, &DataCache::default());
        });
    }

    #[test]
    fn every_attribute_is_read_back_computed_or_marked_never_returned() {
        let mut read_back: Vec<&str> = reported(&DataCache::default())
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
    fn only_changed_fields_are_sent() {
        let prior = Value::object([
            ("name", Value::from("a")),
            ("size", Value::from(20i64)),
            ("tags", Value::Null),
        ]);
        let mut planned = prior.clone();
        assert!(changes("edc-1", &prior, &planned).is_none());
        planned.set_attr("size", 40i64);
        let req = changes("edc-1", &prior, &planned).unwrap();
        assert_eq!((req.size, req.name), (Some(40), None));
        // Removing a value the API cannot clear sends nothing.
        let mut planned = prior.clone();
        planned.set_attr("name", Value::Null);
        assert!(changes("edc-1", &prior, &planned).is_none());
    }
}
