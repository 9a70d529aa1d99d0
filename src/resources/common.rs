//! Schema pieces and validation rules shared by the resources: tags, resource IDs,
//! regions, computed event lists.

use std::collections::BTreeMap;

use crate::aliyun::eci::{Event, ResourceType, TagResourcesRequest, UntagResourcesRequest};
use crate::aliyun::{ApiError, CallContext, Client, Tag};
use crate::tf::validators::{Matches, Validator};
use crate::tf::{Attribute, AttributePath, Cx, Diagnostics, Schema, Type, Value};

/// Most tags a resource can carry (every API page: `Tag.N`, N = 1..20).
pub const MAX_TAGS: usize = 20;

/// Alibaba's tag rules (ECI TagResources and ECS StartImagePipelineExecution pages):
/// at most 20 tags; keys 1-128 characters, not starting with `aliyun` or `acs:`;
/// keys and values without `http://` or `https://`; values at most 128 characters
/// and not starting with `acs:`.
pub struct TagRules;

impl Validator for TagRules {
    fn description(&self) -> String {
        format!(
            "At most {MAX_TAGS} tags. Keys are 1 to 128 characters and cannot start with `aliyun` \
             or `acs:`; values are at most 128 characters and cannot start with `acs:`; neither \
             may contain `http://` or `https://`."
        )
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(tags) = value.as_map() else { return };
        if tags.len() > MAX_TAGS {
            diags.error_at(
                path.clone(),
                "Too many tags",
                format!(
                    "`{path}` has {} tags; Alibaba Cloud allows at most {MAX_TAGS}.",
                    tags.len()
                ),
            );
        }
        for (key, v) in tags {
            let at = path.key(key);
            let key_problem = if key.is_empty() || key.chars().count() > 128 {
                Some("must be 1 to 128 characters long")
            } else if key.to_ascii_lowercase().starts_with("aliyun") || key.starts_with("acs:") {
                Some("cannot start with `aliyun` or `acs:` (reserved for the system)")
            } else if has_url(key) {
                Some("cannot contain `http://` or `https://`")
            } else {
                None
            };
            if let Some(p) = key_problem {
                diags.error_at(
                    at.clone(),
                    "Invalid tag key",
                    format!("Tag key {key:?} {p}."),
                );
            }
            if let Some(s) = v.as_str() {
                let value_problem = if s.chars().count() > 128 {
                    Some("must be at most 128 characters long")
                } else if s.starts_with("acs:") {
                    Some("cannot start with `acs:`")
                } else if has_url(s) {
                    Some("cannot contain `http://` or `https://`")
                } else {
                    None
                };
                if let Some(p) = value_problem {
                    diags.error_at(
                        at,
                        "Invalid tag value",
                        format!("The value of tag {key:?} {p}."),
                    );
                }
            }
        }
    }
}

fn has_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("http://") || l.contains("https://")
}

/// The `tags` attribute.
pub fn tags_attribute(what: &str) -> Attribute {
    Attribute::optional(Type::map(Type::String))
        .doc(format!("Tags of the {what}, as a map of key to value."))
        .validate(TagRules)
}

/// An ID with a known prefix, e.g. `sg-` followed by lowercase letters and digits.
pub fn id_with_prefix(prefix: &'static str, what: &'static str) -> Matches {
    Matches::new(&format!("{}[a-z0-9]+", regex_lite::escape(prefix)), what)
}

/// A region ID such as `cn-hangzhou`, `ap-southeast-1` or `cn-shanghai-finance-1`.
pub fn region_id() -> Matches {
    Matches::new(
        "[a-z]{2,}(-[a-z0-9]+)+",
        "a region ID such as `cn-hangzhou`",
    )
}

/// The object type of one item of a cache's `events` list.
pub fn event_type() -> Type {
    Type::object([
        ("count", Type::Number),
        ("first_timestamp", Type::String),
        ("last_timestamp", Type::String),
        ("message", Type::String),
        ("name", Type::String),
        ("reason", Type::String),
        ("type", Type::String),
    ])
}

/// The computed `events` attribute of caches.
pub fn events_attribute(what: &str) -> Attribute {
    Attribute::computed(Type::list(event_type())).doc(format!(
        "Events of the {what} as reported by the API (`Normal` or `Warning`), most useful when it \
         failed."
    ))
}

/// Turns an empty string from the API into null: Describe calls report unset
/// optional values as `""`, while Terraform configurations leave them null.
pub fn non_empty(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::String(s.to_string())
    }
}

/// Plans an update the configuration alone does not call for: the computed
/// attributes the configuration leaves null (except `stable` ones that have a value)
/// become unknown, as the generic plan does when an argument changes, so Terraform
/// shows the update and accepts the values the apply brings back.
pub fn plan_computed_unknown(schema: &Schema, config: &Value, planned: &mut Value) {
    for (name, attr) in &schema.block.attributes {
        let keep = !attr.is_computed()
            || attr.default.is_some()
            || !config.attr(name).is_null()
            || (attr.stable && planned.attr(name).is_known_non_null());
        if !keep {
            planned.set_attr(name, Value::Unknown);
        }
    }
}

/// The API call context of an operation: its deadline and the stop token.
pub fn api_cx<C>(cx: &Cx<C>) -> CallContext {
    CallContext::new(cx.deadline, cx.cancel.clone())
}

/// Adds an error for a failed API call. The error names the action, the code, the
/// message and the RequestId (never a secret), which is what support asks for.
pub fn api_error(diags: &mut Diagnostics, summary: impl Into<String>, e: &ApiError) {
    let mut detail = e.to_string();
    if e.is_cancelled() {
        detail.push_str("\n\nTerraform asked the provider to stop; the operation was interrupted.");
    } else if e.is_unreachable() {
        detail.push_str(
            "\n\nAlibaba Cloud did not answer: check the network and the provider's `endpoints`. \
             Each request waits at most `client_connect_timeout` and `client_read_timeout`; \
             a refresh gives up after one minute, create, update and delete at their `timeouts`.",
        );
    } else if e.is_deadline_exceeded() {
        detail.push_str("\n\nThe operation ran out of time; raise the limit in the resource's `timeouts` block.");
    }
    diags.error(summary, detail);
}

/// Adds the error for a failed create call. When the request may have reached the
/// cloud (no answer, a server error, the deadline or Ctrl-C in the middle), the
/// outcome is unknown: the call's `ClientToken` made its retries safe, but a later
/// apply sends a new one, so the error says to look for the object first.
pub fn create_error(diags: &mut Diagnostics, what: &str, name: Option<&str>, e: &ApiError) {
    let ambiguous = e.is_unreachable()
        || e.is_deadline_exceeded()
        || e.is_cancelled()
        || e.http_status().is_some_and(|s| s >= 500);
    if !ambiguous {
        return api_error(diags, format!("Could not create the {what}"), e);
    }
    let named = name.map(|n| format!(" named {n:?}")).unwrap_or_default();
    diags.error(
        format!("The {what} may have been created: the outcome is unknown"),
        format!(
            "{e}\n\nThe request may have reached Alibaba Cloud before the answer was lost. \
             If a {what}{named} now exists, it is not in the Terraform state: delete it, or import it \
             with `terraform import`, before applying again (a new apply would create another one)."
        ),
    );
}

/// Warns, at every refresh, about a cache whose status is Failed: nothing in the
/// configuration differs, so without it the plan would say "No changes" about a
/// cache no instance can use.
pub fn warn_failed_cache(diags: &mut Diagnostics, object: &str, id: &str, events: &[Event]) {
    let said = match event_messages(events) {
        m if m.is_empty() => String::new(),
        m => format!(" The service said: {m}"),
    };
    diags.warn(
        format!("{object} {id} failed"),
        format!(
            "Its status is Failed: it holds no usable data.{said}\n\nReplace it \
             (`terraform apply -replace=ADDRESS`)."
        ),
    );
}

/// The import hook of a resource whose IDs are `prefix` followed by lowercase
/// letters and digits: anything else is refused with an example, before any API
/// call (the object could only be "not found", which says less).
pub fn import_id(
    id: &str,
    prefix: &str,
    example: &str,
    listing: &str,
    state: &mut Value,
    diags: &mut Diagnostics,
) {
    let rest = id.strip_prefix(prefix).unwrap_or_default();
    let well_formed = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if well_formed {
        state.set_attr("id", id);
    } else {
        diags.error(
            "Invalid import ID",
            format!(
                "{id:?} is not an ID of this resource type. Its IDs look like `{example}`; \
                 the `{listing}` data source lists them."
            ),
        );
    }
}

/// After an import, `retention_days` (never returned) from what Describe does
/// return: the expiry is the creation time plus the retention, in whole days.
/// Left null when the two times are missing or not whole days apart (then the API
/// counted from another moment, and guessing would plan a false change).
pub fn recover_retention(state: &mut Value) {
    if !state.attr("retention_days").is_null() {
        return;
    }
    let (Some(created), Some(expires)) = (
        state.str_attr("creation_time").and_then(epoch_seconds),
        state.str_attr("expire_date_time").and_then(epoch_seconds),
    ) else {
        return;
    };
    let span = expires - created;
    if span > 0 && span % 86_400 == 0 {
        state.set_attr("retention_days", span / 86_400);
    }
}

/// Seconds since 1970 of an API time `YYYY-MM-DDTHH:MM[:SS]Z`.
fn epoch_seconds(s: &str) -> Option<i64> {
    let s = crate::aliyun::normalize_time(s);
    let (date, clock) = s.strip_suffix('Z')?.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut c = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, min, sec) = (c.next()??, c.next()??, c.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + min * 60 + sec)
}

/// Tags of a `tags` map attribute, sorted by key.
pub fn tags_from(v: &Value) -> Vec<Tag> {
    v.as_map()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| Tag::new(k.clone(), s)))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the cloud itself owns a tag: keys starting with `acs:` or `aliyun` are
/// reserved (users cannot set them, see [`TagRules`]), and services add them on
/// their own. They are never shown as the user's tags, so they never plan a removal.
pub fn is_system_tag(key: &str) -> bool {
    key.starts_with("acs:") || key.to_ascii_lowercase().starts_with("aliyun")
}

/// The `tags` attribute from what the API returned, without system tags. No tags
/// reads as null unless the prior value was an explicit empty map, so `tags = {}`
/// and no `tags` both plan empty.
pub fn tags_value(tags: &[Tag], prior: &Value) -> Value {
    let tags: Vec<&Tag> = tags.iter().filter(|t| !is_system_tag(&t.key)).collect();
    if tags.is_empty() {
        return match prior {
            Value::Map(m) if m.is_empty() => prior.clone(),
            _ => Value::Null,
        };
    }
    Value::str_map(tags.iter().map(|t| (t.key.clone(), t.value.clone())))
}

/// What to tag and untag to go from `prior` tags to `planned` tags.
pub fn tag_changes(prior: &Value, planned: &Value) -> (Vec<Tag>, Vec<String>) {
    let before: BTreeMap<String, String> = tags_from(prior)
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    let after: BTreeMap<String, String> = tags_from(planned)
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    let add = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| Tag::new(k.clone(), v.clone()))
        .collect();
    let remove = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    (add, remove)
}

/// Applies tag changes with TagResources / UntagResources. Used instead of the
/// update calls' `Tag.N`, which only adds tags: these give exact plans.
pub async fn apply_tag_changes(
    client: &Client,
    resource_type: ResourceType,
    id: &str,
    prior: &Value,
    planned: &Value,
    cx: &CallContext,
) -> Result<(), ApiError> {
    let (add, remove) = tag_changes(prior, planned);
    if !remove.is_empty() {
        let req = UntagResourcesRequest {
            resource_type,
            resource_id: vec![id.to_string()],
            tag_key: remove,
            all: None,
        };
        client.untag_resources(&req, cx).await?;
    }
    if !add.is_empty() {
        let req = TagResourcesRequest {
            resource_type,
            resource_id: vec![id.to_string()],
            tag: add,
        };
        client.tag_resources(&req, cx).await?;
    }
    Ok(())
}

/// The `events` attribute from the API's events.
pub fn events_value(events: &[Event]) -> Value {
    Value::List(
        events
            .iter()
            .map(|e| {
                Value::object([
                    ("count", Value::from(e.count)),
                    ("first_timestamp", Value::from(e.first_timestamp.as_str())),
                    ("last_timestamp", Value::from(e.last_timestamp.as_str())),
                    ("message", Value::from(e.message.as_str())),
                    ("name", Value::from(e.name.as_str())),
                    ("reason", Value::from(e.reason.as_str())),
                    ("type", Value::from(e.event_type.as_str())),
                ])
            })
            .collect(),
    )
}

/// The cloud's own explanation of a failure: the messages of its warning events
/// (all events when none is a warning), most recent last.
pub fn event_messages(events: &[Event]) -> String {
    let warnings: Vec<&str> = events
        .iter()
        .filter(|e| e.event_type == "Warning")
        .map(|e| e.message.as_str())
        .filter(|m| !m.is_empty())
        .collect();
    let chosen = if warnings.is_empty() {
        events
            .iter()
            .map(|e| e.message.as_str())
            .filter(|m| !m.is_empty())
            .collect()
    } else {
        warnings
    };
    chosen.join("; ")
}

/// True when `prior` and `planned` differ in attribute `name` (set-aware).
pub fn changed(prior: &Value, planned: &Value, name: &str) -> bool {
    !prior.attr(name).semantic_eq(planned.attr(name))
}

/// A regular expression (RE2-like syntax), checked when the configuration is validated.
pub struct IsRegex;

impl Validator for IsRegex {
    fn description(&self) -> String {
        "Must be a valid regular expression.".into()
    }
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if let Some(Err(e)) = value.as_str().map(regex_lite::Regex::new) {
            diags.error_at(
                path.clone(),
                "Invalid regular expression",
                format!("`{path}`: {e}"),
            );
        }
    }
}

/// The `name_regex` filter of list data sources.
pub fn name_regex_attribute() -> Attribute {
    Attribute::optional(Type::String)
        .doc("Keep only the items whose name matches this regular expression.")
        .validate(IsRegex)
}

/// Applies an optional `name_regex` to `name`; an invalid expression keeps everything
/// (it was already reported by validation).
pub fn name_matches(regex: Option<&regex_lite::Regex>, name: &str) -> bool {
    regex.is_none_or(|r| r.is_match(name))
}

/// The object type of a list data source's items: the types of `names` in the
/// resource's schema, so an item and the resource always agree.
pub fn item_type(resource: &Schema, names: &[&str]) -> Type {
    Type::object(names.iter().map(|n| {
        let ty = match (
            resource.block.attributes.get(*n),
            resource.block.blocks.get(*n),
        ) {
            (Some(a), _) => a.ty.clone(),
            (None, Some(b)) => Type::list(b.block.value_type()),
            (None, None) => Type::String,
        };
        (n.to_string(), ty)
    }))
}

/// Sets the outputs every list data source has: `ids`, `names` (aligned one to one
/// with `ids`, when items have names) and the items themselves.
pub fn set_list_outputs(
    state: &mut Value,
    items_attr: &str,
    items: Vec<Vec<(&'static str, Value)>>,
    name_attr: Option<&str>,
) {
    let ids: Vec<String> = items.iter().filter_map(|i| field(i, "id")).collect();
    state.set_attr("ids", Value::str_list(ids));
    if let Some(name_attr) = name_attr {
        let names: Vec<String> = items
            .iter()
            .map(|i| field(i, name_attr).unwrap_or_default())
            .collect();
        state.set_attr("names", Value::str_list(names));
    }
    state.set_attr(
        items_attr,
        Value::List(items.into_iter().map(Value::object).collect()),
    );
}

fn field(item: &[(&'static str, Value)], name: &str) -> Option<String> {
    item.iter()
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| v.as_str().map(str::to_string))
}

/// The compiled `name_regex` of a data source configuration, if set and valid.
pub fn name_regex(config: &Value) -> Option<regex_lite::Regex> {
    config
        .str_attr("name_regex")
        .and_then(|r| regex_lite::Regex::new(r).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(tags: &[(&str, &str)]) -> Diagnostics {
        let mut d = Diagnostics::new();
        TagRules.validate(
            &AttributePath::root("tags"),
            &Value::str_map(tags.iter().copied()),
            &mut d,
        );
        d
    }

    #[test]
    fn retention_is_recovered_from_whole_days_only() {
        assert_eq!(epoch_seconds("1970-01-02T00:00:00Z"), Some(86_400));
        assert_eq!(epoch_seconds("2024-03-01T00:00Z"), Some(1_709_251_200));
        assert_eq!(epoch_seconds("garbage"), None);
        let state = |created: &str, expires: &str| {
            let mut v = Value::object([
                ("retention_days", Value::Null),
                ("creation_time", created.into()),
                ("expire_date_time", expires.into()),
            ]);
            recover_retention(&mut v);
            v.attr("retention_days").clone()
        };
        // Across a leap day.
        assert_eq!(
            state("2024-02-27T10:00:00Z", "2024-03-05T10:00:00Z"),
            Value::from(7i64)
        );
        assert_eq!(
            state("2024-02-27T10:00:00Z", "2024-03-05T11:00:00Z"),
            Value::Null
        );
        assert_eq!(state("2024-02-27T10:00:00Z", ""), Value::Null);
    }

    #[test]
    fn system_tags_are_not_the_users() {
        let api = [
            Tag::new("team", "ml"),
            Tag::new("acs:rm:rgId", "rg-1"),
            Tag::new("aliyun:created-by", "eci"),
        ];
        assert_eq!(
            tags_value(&api, &Value::Null),
            Value::str_map([("team", "ml")])
        );
        assert_eq!(tags_value(&api[1..], &Value::Null), Value::Null);
    }

    #[test]
    fn tag_rules() {
        assert!(!check(&[("team", "ml"), ("env", "")]).has_errors());
        let d = check(&[("aliyun-x", "v")]);
        assert_eq!(
            d.0[0].attribute,
            Some(AttributePath::root("tags").key("aliyun-x"))
        );
        assert!(check(&[("acs:x", "v")]).has_errors());
        assert!(check(&[("k", "see https://x")]).has_errors());
        assert!(check(&[("", "v")]).has_errors());
        let many: Vec<(String, String)> = (0..21)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        let mut d = Diagnostics::new();
        TagRules.validate(&AttributePath::root("tags"), &Value::str_map(many), &mut d);
        assert!(d.has_errors());
    }

    #[test]
    fn id_and_region_rules() {
        let mut d = Diagnostics::new();
        id_with_prefix("sg-", "a security group ID").validate(
            &AttributePath::root("a"),
            &Value::from("sg-abc1"),
            &mut d,
        );
        region_id().validate(
            &AttributePath::root("r"),
            &Value::from("cn-shanghai-finance-1"),
            &mut d,
        );
        assert!(!d.has_errors());
        region_id().validate(&AttributePath::root("r"), &Value::from("Hangzhou"), &mut d);
        id_with_prefix("sg-", "a security group ID").validate(
            &AttributePath::root("a"),
            &Value::from("vsw-1"),
            &mut d,
        );
        assert_eq!(d.0.len(), 2);
    }
}
