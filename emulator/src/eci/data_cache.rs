//! ECI data caches (`edc-…`): CreateDataCache, DescribeDataCaches,
//! UpdateDataCache, DeleteDataCache. Facts and choices:
//! docs/development/api-reference.md, «Data cache».
//!
//! ```text
//! Create ─► Creating ─► Loading ─► Available        (rule: Failed | Stuck in Loading)
//!                              └─► Failed
//! Update (Available|UpdateFailed) ─► Updating ─► Available | UpdateFailed   (data/size/network changes)
//! ExpireDateTime reached ─► gone
//! ```

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::image_cache::Scripted;
use super::{days_ms, progress, Event};
use crate::clock::{format_utc, ms, parse_utc, ser_opt_utc, ser_utc, Millis};
use crate::config::{find_rule, Outcome, RuleKind, RuleOn, Timings};
use crate::error::{ApiResult, EmuError};
use crate::kind::{stored_fields, Kind, Tagging};
use crate::params::Params;
use crate::routes::{r, Route, ECI_VERSION};
use crate::tags::{self, Product, Tag};
use crate::world::{new_id, paginate, Body, Call, Settings, World, ALNUM};

/// Data cache statuses (see docs/development/api-reference.md, «Data cache»).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    /// Being created.
    Creating,
    /// Loading data.
    Loading,
    /// Usable.
    Available,
    /// Creation failed.
    Failed,
    /// Update being applied.
    Updating,
    /// Last update failed.
    UpdateFailed,
}

impl Status {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Creating" => Self::Creating,
            "Loading" => Self::Loading,
            "Available" => Self::Available,
            "Failed" => Self::Failed,
            "Updating" => Self::Updating,
            "UpdateFailed" => Self::UpdateFailed,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "Creating",
            Self::Loading => "Loading",
            Self::Available => "Available",
            Self::Failed => "Failed",
            Self::Updating => "Updating",
            Self::UpdateFailed => "UpdateFailed",
        }
    }
}

/// `EipCreateParam.*` as sent (absent fields stay `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EipCreateParam {
    /// Mbit/s.
    pub bandwidth: Option<i64>,
    /// `cbwp-…`.
    pub common_bandwidth_package: Option<String>,
    /// `PayByBandwidth` / `PayByTraffic`.
    pub internet_charge_type: Option<String>,
    /// `pippool-…`.
    pub public_ip_address_pool_id: Option<String>,
    /// `BGP` / `BGP_PRO`.
    pub isp: Option<String>,
}

impl EipCreateParam {
    fn parse(p: &Params) -> ApiResult<Self> {
        let one_of = |name: &str, allowed: &[&str]| -> ApiResult<Option<String>> {
            match p.opt(name) {
                Some(v) if !allowed.contains(&v.as_str()) => Err(EmuError::invalid_value(
                    name,
                    &format!("allowed values are {}", allowed.join(", ")),
                )),
                other => Ok(other),
            }
        };
        Ok(EipCreateParam {
            bandwidth: p.int_in("EipCreateParam.Bandwidth", 1, 10_000)?,
            common_bandwidth_package: p.opt("EipCreateParam.CommonBandwidthPackage"),
            internet_charge_type: one_of(
                "EipCreateParam.InternetChargeType",
                &["PayByBandwidth", "PayByTraffic"],
            )?,
            public_ip_address_pool_id: p.opt("EipCreateParam.PublicIpAddressPoolId"),
            isp: one_of("EipCreateParam.ISP", &["BGP", "BGP_PRO"])?,
        })
    }

    /// Fields of `new` that are set and differ from `self`.
    fn differs(&self, new: &Self) -> bool {
        fn d<T: PartialEq>(new: &Option<T>, old: &Option<T>) -> bool {
            new.is_some() && new != old
        }
        d(&new.bandwidth, &self.bandwidth)
            || d(
                &new.common_bandwidth_package,
                &self.common_bandwidth_package,
            )
            || d(&new.internet_charge_type, &self.internet_charge_type)
            || d(
                &new.public_ip_address_pool_id,
                &self.public_ip_address_pool_id,
            )
            || d(&new.isp, &self.isp)
    }

    fn apply(&mut self, new: EipCreateParam) {
        fn a<T>(old: &mut Option<T>, new: Option<T>) {
            if new.is_some() {
                *old = new;
            }
        }
        a(&mut self.bandwidth, new.bandwidth);
        a(
            &mut self.common_bandwidth_package,
            new.common_bandwidth_package,
        );
        a(&mut self.internet_charge_type, new.internet_charge_type);
        a(
            &mut self.public_ip_address_pool_id,
            new.public_ip_address_pool_id,
        );
        a(&mut self.isp, new.isp);
    }
}

/// One data cache with every stored field.
#[derive(Clone, Debug, Serialize)]
pub struct DataCache {
    /// Creation order.
    pub seq: u64,
    /// `edc-…`.
    pub data_cache_id: String,
    /// Region.
    pub region_id: String,
    /// Name.
    pub name: String,
    /// Bucket (default `default`).
    pub bucket: String,
    /// Path inside the bucket.
    pub path: String,
    /// GiB.
    pub size: i64,
    /// Status.
    pub status: Status,
    /// When the current status was entered.
    #[serde(serialize_with = "ser_utc")]
    pub status_since: Millis,
    /// `"NN%"`.
    pub progress: String,
    /// `DataSource.Type`.
    pub data_source_type: String,
    /// `DataSource.Options` without `#len#` prefixes.
    pub data_source_options: BTreeMap<String, String>,
    /// Snapshot once loaded.
    pub snapshot_id: Option<String>,
    /// Local snapshot once loaded.
    pub flash_snapshot_id: Option<String>,
    /// Temporary instance.
    pub container_group_id: String,
    /// Creation time.
    #[serde(serialize_with = "ser_utc")]
    pub creation_time: Millis,
    /// `RetentionDays` as sent.
    pub retention_days: Option<i64>,
    /// Expiry.
    #[serde(serialize_with = "ser_opt_utc")]
    pub expire_date_time: Option<Millis>,
    /// Never set by the API.
    #[serde(serialize_with = "ser_opt_utc")]
    pub last_matched_time: Option<Millis>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Resource group.
    pub resource_group_id: String,
    /// Events.
    pub events: Vec<Event>,
    /// Write-only.
    pub security_group_id: Option<String>,
    /// Write-only.
    pub v_switch_id: Option<String>,
    /// Write-only.
    pub eip_instance_id: Option<String>,
    /// Write-only.
    pub eip_create_param: EipCreateParam,
    /// Scripted ending of the running transition.
    pub scripted: Option<Scripted>,
}

impl DataCache {
    /// Advance the state machine to `now`.
    pub fn advance(&mut self, now: Millis, t: &Timings) {
        loop {
            let dur = match self.status {
                Status::Creating => ms(t.data_cache_creating),
                Status::Loading => ms(t.data_cache_loading),
                Status::Updating => ms(t.data_cache_updating),
                _ => break,
            };
            let stuck = self.status != Status::Creating
                && self
                    .scripted
                    .as_ref()
                    .is_some_and(|s| s.outcome == Outcome::Stuck);
            let end = self.status_since + dur;
            if stuck || now < end {
                break;
            }
            match self.status {
                Status::Creating => self.enter(Status::Loading, end),
                _ => match self.scripted.take() {
                    Some(s) if s.outcome != Outcome::Stuck => self.fail(end, &s.message),
                    _ => self.succeed(end),
                },
            }
        }
        match self.status {
            Status::Creating => self.progress = "0%".into(),
            Status::Loading => {
                self.progress = progress(now, self.status_since, ms(t.data_cache_loading))
            }
            Status::Updating => {
                self.progress = progress(now, self.status_since, ms(t.data_cache_updating))
            }
            _ => {}
        }
    }

    fn enter(&mut self, status: Status, at: Millis) {
        self.status = status;
        self.status_since = at;
    }

    fn succeed(&mut self, at: Millis) {
        let (reason, msg) = if self.status == Status::Updating {
            ("Updated", "Successfully updated data cache.")
        } else {
            ("Created", "Successfully created data cache.")
        };
        self.snapshot_id = Some(new_id("s-", 20, ALNUM));
        self.flash_snapshot_id = Some(new_id("s-", 20, ALNUM));
        self.progress = "100%".into();
        self.events
            .push(Event::normal(self.event_name(), reason, msg, at));
        self.enter(Status::Available, at);
    }

    fn fail(&mut self, at: Millis, message: &str) {
        let (status, default) = if self.status == Status::Updating {
            (
                Status::UpdateFailed,
                "Failed to update data cache: data load failed.",
            )
        } else {
            (
                Status::Failed,
                "Failed to create data cache: data load failed.",
            )
        };
        let msg = if message.is_empty() { default } else { message };
        self.events
            .push(Event::warning(self.event_name(), "Failed", msg, at));
        self.enter(status, at);
    }

    fn event_name(&self) -> &str {
        if self.name.is_empty() {
            &self.data_cache_id
        } else {
            &self.name
        }
    }

    /// Whether the sweep should remove it. Failed data caches stay until
    /// deleted: no automatic cleanup is documented for them (unlike image caches).
    pub fn gone(&self, now: Millis) -> bool {
        self.expire_date_time.is_some_and(|e| now >= e)
    }

    fn options_string(&self, whole: bool) -> String {
        if whole {
            json!({"options": self.data_source_options, "type": self.data_source_type}).to_string()
        } else {
            serde_json::to_string(&self.data_source_options).unwrap_or_default()
        }
    }

    /// The DescribeDataCaches item.
    pub fn describe(&self, whole_options: bool) -> Value {
        let mut m = Map::new();
        m.insert("DataCacheId".into(), json!(self.data_cache_id));
        m.insert("Name".into(), json!(self.name));
        m.insert("Bucket".into(), json!(self.bucket));
        m.insert("Path".into(), json!(self.path));
        m.insert("Size".into(), json!(self.size));
        m.insert("Status".into(), json!(self.status.as_str()));
        m.insert("Progress".into(), json!(self.progress));
        m.insert(
            "DataSource".into(),
            json!({"Type": self.data_source_type, "Options": self.options_string(whole_options)}),
        );
        if let Some(s) = &self.snapshot_id {
            m.insert("SnapshotId".into(), json!(s));
        }
        if let Some(s) = &self.flash_snapshot_id {
            m.insert("FlashSnapshotId".into(), json!(s));
        }
        m.insert("ContainerGroupId".into(), json!(self.container_group_id));
        m.insert("CreationTime".into(), json!(format_utc(self.creation_time)));
        if let Some(t) = self.expire_date_time {
            m.insert("ExpireDateTime".into(), json!(format_utc(t)));
        }
        if let Some(t) = self.last_matched_time {
            m.insert("LastMatchedTime".into(), json!(format_utc(t)));
        }
        m.insert("RegionId".into(), json!(self.region_id));
        m.insert("ResourceGroupId".into(), json!(self.resource_group_id));
        m.insert(
            "Events".into(),
            Value::Array(self.events.iter().map(Event::to_json).collect()),
        );
        m.insert("Tags".into(), tags::eci_json(&self.tags));
        Value::Object(m)
    }

    /// Overwrite one Describe field (out-of-band drift).
    pub fn patch(&mut self, field: &str, v: &Value, now: Millis) -> Result<(), String> {
        let s = || {
            v.as_str()
                .map(str::to_string)
                .ok_or(format!("{field} must be a string"))
        };
        let time = || {
            v.as_str()
                .and_then(parse_utc)
                .ok_or(format!("{field} must be a yyyy-MM-ddTHH:mm:ssZ time"))
        };
        match field {
            "Name" => self.name = s()?,
            "Bucket" => self.bucket = s()?,
            "Path" => self.path = s()?,
            "Size" => self.size = v.as_i64().ok_or("Size must be an integer")?,
            "Status" => {
                let st = Status::parse(&s()?).ok_or("unknown data cache status")?;
                self.scripted = None;
                self.enter(st, now);
                if st == Status::Available {
                    self.progress = "100%".into();
                }
            }
            "Progress" => self.progress = s()?,
            "DataSource" => {
                if let Some(t) = v.get("Type").and_then(Value::as_str) {
                    self.data_source_type = t.into();
                }
                match v.get("Options") {
                    None => {}
                    Some(Value::String(text)) => {
                        self.data_source_options = serde_json::from_str(text)
                            .map_err(|_| "DataSource.Options must encode a string map")?
                    }
                    Some(o) => {
                        self.data_source_options = serde_json::from_value(o.clone())
                            .map_err(|_| "DataSource.Options must be a string map")?
                    }
                }
            }
            "SnapshotId" => self.snapshot_id = Some(s()?),
            "FlashSnapshotId" => self.flash_snapshot_id = Some(s()?),
            "ContainerGroupId" => self.container_group_id = s()?,
            "CreationTime" => self.creation_time = time()?,
            "ExpireDateTime" => self.expire_date_time = Some(time()?),
            "LastMatchedTime" => self.last_matched_time = Some(time()?),
            "RegionId" => self.region_id = s()?,
            "ResourceGroupId" => self.resource_group_id = s()?,
            "Tags" => self.tags = tags::from_json(v).ok_or("Tags must be [{Key,Value}]")?,
            other => return Err(format!("{other} is not a patchable data cache field")),
        }
        Ok(())
    }
}

fn bucket(p: &Params) -> ApiResult<Option<String>> {
    match p.opt("Bucket") {
        Some(b) if b == "eci-system" => Err(EmuError::invalid_value(
            "Bucket",
            "eci-system is reserved by the system",
        )),
        other => Ok(other),
    }
}

fn path(p: &Params) -> ApiResult<Option<String>> {
    match p.opt("Path") {
        Some(path) if !path.starts_with('/') => {
            Err(EmuError::invalid_value("Path", "it must start with /"))
        }
        other => Ok(other),
    }
}

fn source_type(p: &Params) -> ApiResult<Option<String>> {
    match p.opt("DataSource.Type") {
        Some(t) if !["URL", "NAS", "OSS", "SNAPSHOT"].contains(&t.as_str()) => {
            Err(EmuError::invalid_value(
                "DataSource.Type",
                "allowed values are URL, NAS, OSS, SNAPSHOT",
            ))
        }
        other => Ok(other),
    }
}

fn positive(p: &Params, name: &str) -> ApiResult<Option<i64>> {
    p.int_in(name, 1, i64::from(i32::MAX))
}

fn scripted(w: &World, on: RuleOn, name: &str) -> Option<Scripted> {
    find_rule(&w.settings.rules, RuleKind::DataCache, on, name).map(|r| Scripted {
        outcome: r.outcome,
        message: r.message.clone(),
    })
}

fn incorrect_status(c: &DataCache, action: &str) -> EmuError {
    EmuError::new(
        400,
        "IncorrectStatus",
        format!(
            "The data cache {} is {}; {action} is not allowed in this status.",
            c.data_cache_id,
            c.status.as_str()
        ),
    )
}

/// CreateDataCache.
pub fn create(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let bucket = bucket(p)?.unwrap_or_else(|| "default".into());
    let path = path(p)?.unwrap_or_default();
    let name = p.opt("Name").unwrap_or_default();
    let size = positive(p, "Size")?.unwrap_or(20);
    let retention = positive(p, "RetentionDays")?;
    let ds_type = source_type(p)?.unwrap_or_default();
    let options = p.map("DataSource.Options")?.unwrap_or_default();
    let tags = tags::parse(p, "Tag", Product::Eci)?;
    let eip_create = EipCreateParam::parse(p)?;
    // A bucket + path designates one cache (instances mount it that way), so a
    // second cache at the same place is refused.
    if !path.is_empty()
        && w.data_caches
            .iter()
            .any(|c| c.region_id == region && c.bucket == bucket && c.path == path)
    {
        return Err(EmuError::new(
            400,
            "DataCache.AlreadyExists",
            format!("A data cache already exists in bucket {bucket} at path {path}."),
        ));
    }
    let cache = DataCache {
        seq: w.next_seq(),
        data_cache_id: new_id("edc-", 20, ALNUM),
        region_id: region,
        bucket,
        path,
        size,
        status: Status::Creating,
        status_since: call.now,
        progress: "0%".into(),
        data_source_type: ds_type,
        data_source_options: options,
        snapshot_id: None,
        flash_snapshot_id: None,
        container_group_id: new_id("eci-", 20, ALNUM),
        creation_time: call.now,
        retention_days: retention,
        expire_date_time: retention.map(|d| call.now + days_ms(d)),
        last_matched_time: None,
        tags,
        resource_group_id: p
            .opt("ResourceGroupId")
            .unwrap_or_else(|| w.settings.default_resource_group_id.clone()),
        events: Vec::new(),
        security_group_id: p.opt("SecurityGroupId"),
        v_switch_id: p.opt("VSwitchId"),
        eip_instance_id: p.opt("EipInstanceId"),
        eip_create_param: eip_create,
        scripted: scripted(w, RuleOn::Create, &name),
        name,
    };
    let mut body = Body::new();
    body.insert("DataCacheId".into(), json!(cache.data_cache_id));
    w.data_caches.push(cache);
    Ok(body)
}

/// UpdateDataCache.
pub fn update(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    // Documented optional, but there is no other way to address the cache.
    let id = p.required("DataCacheId")?.to_string();
    let bucket = bucket(p)?;
    let name = p.opt("Name");
    let size = positive(p, "Size")?;
    let ds_type = source_type(p)?;
    let options = p.map("DataSource.Options")?;
    let retention = positive(p, "RetentionDays")?;
    let rg = p.opt("ResourceGroupId");
    let new_tags = tags::parse(p, "Tag", Product::Eci)?;
    let sg = p.opt("SecurityGroupId");
    let vsw = p.opt("VSwitchId");
    let eip = p.opt("EipInstanceId");
    let eip_create = EipCreateParam::parse(p)?;
    let no_need = w.settings.data_cache_no_need_update;
    let rule = {
        let c = w
            .data_caches
            .iter()
            .find(|c| c.data_cache_id == id && c.region_id == region)
            .ok_or_else(|| EmuError::not_found_param("DataCacheId", &id))?;
        scripted(w, RuleOn::Update, name.as_deref().unwrap_or(&c.name))
    };
    let c = w
        .data_caches
        .iter_mut()
        .find(|c| c.data_cache_id == id && c.region_id == region)
        .ok_or_else(|| EmuError::not_found_param("DataCacheId", &id))?;
    // Bucket is a locator here, not an updatable attribute.
    if let Some(b) = &bucket {
        if *b != c.bucket {
            return Err(EmuError::invalid_value(
                "Bucket",
                &format!("the data cache {id} is in bucket {}", c.bucket),
            ));
        }
    }
    if !matches!(c.status, Status::Available | Status::UpdateFailed) {
        return Err(incorrect_status(c, "UpdateDataCache"));
    }
    tags::check_total(&c.tags, &new_tags)?;
    let differs = |new: &Option<String>, old: &Option<String>| new.is_some() && new != old;
    let metadata = name.as_ref().is_some_and(|n| *n != c.name)
        || retention.is_some_and(|r| Some(r) != c.retention_days)
        || rg.as_ref().is_some_and(|r| *r != c.resource_group_id)
        || tags::would_change(&c.tags, &new_tags);
    let reload = size.is_some_and(|s| s != c.size)
        || ds_type.as_ref().is_some_and(|t| *t != c.data_source_type)
        || options
            .as_ref()
            .is_some_and(|o| *o != c.data_source_options)
        || differs(&sg, &c.security_group_id)
        || differs(&vsw, &c.v_switch_id)
        || differs(&eip, &c.eip_instance_id)
        || c.eip_create_param.differs(&eip_create);
    if !metadata && !reload {
        // `NoNeedUpdate` is not in the published error list for data caches, hence the
        // switch (`Config::data_cache_no_need_update`).
        return if no_need {
            Err(EmuError::no_need_update())
        } else {
            Ok(Body::new())
        };
    }
    if let Some(n) = name {
        c.name = n;
    }
    if let Some(r) = retention {
        c.retention_days = Some(r);
        c.expire_date_time = Some(c.creation_time + days_ms(r));
    }
    if let Some(r) = rg {
        c.resource_group_id = r;
    }
    tags::merge(&mut c.tags, &new_tags);
    if let Some(s) = size {
        c.size = s;
    }
    if let Some(t) = ds_type {
        c.data_source_type = t;
    }
    if let Some(o) = options {
        // The options map is replaced as a whole: it describes one data source.
        c.data_source_options = o;
    }
    if sg.is_some() {
        c.security_group_id = sg;
    }
    if vsw.is_some() {
        c.v_switch_id = vsw;
    }
    if eip.is_some() {
        c.eip_instance_id = eip;
    }
    c.eip_create_param.apply(eip_create);
    if reload {
        c.scripted = rule;
        c.progress = "0%".into();
        c.enter(Status::Updating, call.now);
    }
    Ok(Body::new())
}

/// DeleteDataCache, by id or by bucket + path.
pub fn delete(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let id = p.opt("DataCacheId");
    let path = p.opt("Path");
    let bucket = bucket(p)?;
    let idx = match (&id, &path) {
        (None, None) => return Err(EmuError::missing("DataCacheId")),
        (Some(id), _) => w
            .data_caches
            .iter()
            .position(|c| c.data_cache_id == *id && c.region_id == region)
            .ok_or_else(|| EmuError::not_found_param("DataCacheId", id))?,
        (None, Some(path)) => {
            let b = bucket.clone().unwrap_or_else(|| "default".into());
            w.data_caches
                .iter()
                .position(|c| c.region_id == region && c.bucket == b && c.path == *path)
                .ok_or_else(|| EmuError::not_found_param("Path", &format!("{b}:{path}")))?
        }
    };
    let c = &w.data_caches[idx];
    if id.is_some() && (path.is_some() || bucket.is_some()) {
        let b = bucket.as_deref().unwrap_or("default");
        if c.bucket != b || path.as_ref().is_some_and(|p| *p != c.path) {
            return Err(EmuError::invalid(format!(
                "DataCacheId {} does not designate the cache at bucket {b}, path {}.",
                c.data_cache_id,
                path.as_deref().unwrap_or(&c.path)
            )));
        }
    }
    if matches!(
        c.status,
        Status::Creating | Status::Loading | Status::Updating
    ) {
        return Err(incorrect_status(c, "DeleteDataCache"));
    }
    w.data_caches.remove(idx);
    Ok(Body::new())
}

/// DescribeDataCaches.
pub fn describe(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let ids = p.list("DataCacheId", 100)?;
    // Bucket filters only when sent: the documented default would otherwise
    // hide caches of custom buckets from a lookup by id.
    let bucket = p.opt("Bucket");
    let path = p.opt("Path");
    let rg = p.opt("ResourceGroupId");
    let tag_filter = tags::parse_filter(p, "Tag")?;
    let limit = p.int_in("Limit", 1, 20)?.unwrap_or(20) as usize;
    let eq = |f: &Option<String>, v: &str| f.as_ref().is_none_or(|f| f == v);
    let found: Vec<&DataCache> = w
        .data_caches
        .iter()
        .filter(|c| c.region_id == region)
        .filter(|c| ids.is_empty() || ids.contains(&c.data_cache_id))
        .filter(|c| eq(&bucket, &c.bucket) && eq(&path, &c.path) && eq(&rg, &c.resource_group_id))
        .filter(|c| tags::matches(&c.tags, &tag_filter))
        .collect();
    let whole = w.settings.data_source_options_whole;
    let page = paginate(found, |c| c.seq, "edc", p.str("NextToken"), limit)?;
    let mut body = Body::new();
    body.insert(
        "DataCaches".into(),
        Value::Array(page.items.iter().map(|c| c.describe(whole)).collect()),
    );
    body.insert("NextToken".into(), json!(page.next_token));
    body.insert("TotalCount".into(), json!(page.total));
    Ok(body)
}

impl Kind for DataCache {
    const STATE_KEY: &'static str = "data_caches";
    const ROUTES: &'static [Route] = &[
        r("CreateDataCache", ECI_VERSION, true, create),
        r("DescribeDataCaches", ECI_VERSION, false, describe),
        r("UpdateDataCache", ECI_VERSION, true, update),
        r("DeleteDataCache", ECI_VERSION, true, delete),
    ];
    const TAGGING: Option<Tagging> = Some(Tagging {
        version: ECI_VERSION,
        resource_type: "DataCache",
    });

    stored_fields!(data_cache_id);
    fn advance(&mut self, now: Millis, s: &Settings) {
        self.advance(now, &s.timings);
    }
    fn gone(&self, now: Millis, _: &Settings) -> bool {
        self.gone(now)
    }
    fn patch(&mut self, field: &str, v: &Value, now: Millis) -> Result<(), String> {
        self.patch(field, v, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::config::{Config, OutcomeRule, Timings};
    use crate::world::test_call as call;
    use crate::world::Settings;
    use std::time::Duration;

    fn world(timings: Timings) -> World {
        let mut c = Config::for_tests();
        c.timings = timings;
        World::new(
            Settings::from_config(&c),
            Clock::manual_at(1_717_243_200_000),
        )
    }

    fn create_one(w: &mut World, name: &str, path: &str) -> String {
        call(
            w,
            create,
            &[
                ("RegionId", "cn-hangzhou"),
                ("Name", name),
                ("Path", path),
                ("DataSource.Type", "URL"),
                ("DataSource.Options.#10#repoSource", "HuggingFace/Model"),
                (
                    "DataSource.Options.repoId",
                    "stabilityai/stable-diffusion-2-1",
                ),
                ("SecurityGroupId", "sg-1"),
            ],
        )
        .unwrap()["DataCacheId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn status(w: &mut World, id: &str) -> Status {
        w.sweep();
        w.data_caches
            .iter()
            .find(|c| c.data_cache_id == id)
            .unwrap()
            .status
    }

    #[test]
    fn create_loading_available_and_describe_shape() {
        let mut w = world(Timings::uniform(Duration::from_secs(3)));
        let id = create_one(&mut w, "hf", "/model/sd21");
        assert!(id.starts_with("edc-"));
        assert_eq!(status(&mut w, &id), Status::Creating);
        w.clock.advance(Duration::from_secs(3));
        assert_eq!(status(&mut w, &id), Status::Loading);
        w.clock.advance(Duration::from_secs(3));
        assert_eq!(status(&mut w, &id), Status::Available);
        let b = call(
            &mut w,
            describe,
            &[("RegionId", "cn-hangzhou"), ("DataCacheId.1", &id)],
        )
        .unwrap();
        let item = &b["DataCaches"][0];
        assert_eq!(item["Bucket"], "default");
        assert_eq!(item["Size"], 20);
        assert_eq!(item["DataSource"]["Type"], "URL");
        let opts: BTreeMap<String, String> =
            serde_json::from_str(item["DataSource"]["Options"].as_str().unwrap()).unwrap();
        assert_eq!(opts["repoSource"], "HuggingFace/Model");
        assert_eq!(opts["repoId"], "stabilityai/stable-diffusion-2-1");
        assert!(item["SnapshotId"].as_str().unwrap().starts_with("s-"));
        w.settings.data_source_options_whole = true;
        let b = call(&mut w, describe, &[("RegionId", "cn-hangzhou")]).unwrap();
        let whole: Value = serde_json::from_str(
            b["DataCaches"][0]["DataSource"]["Options"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(whole["type"], "URL");
    }

    #[test]
    fn create_validation() {
        let mut w = world(Timings::zero());
        for (pairs, code) in [
            (vec![("Bucket", "eci-system")], "InvalidParameter"),
            (vec![("Path", "relative")], "InvalidParameter"),
            (vec![("DataSource.Type", "FTP")], "InvalidParameter"),
            (vec![("DataSource.Options.#4#url", "x")], "InvalidParameter"),
            (vec![("Size", "x")], "InvalidParameter"),
            (vec![("EipCreateParam.ISP", "X")], "InvalidParameter"),
        ] {
            let mut all = vec![("RegionId", "cn-hangzhou")];
            all.extend(pairs.clone());
            let params = Params::from_pairs(all.iter().copied());
            let code_got = match params {
                Err(e) => e.code,
                Ok(params) => {
                    let now = w.clock.now();
                    create(
                        &mut w,
                        &Call {
                            params: &params,
                            access_key_id: "ak",
                            now,
                        },
                    )
                    .unwrap_err()
                    .code
                }
            };
            assert_eq!(code_got, code, "{pairs:?}");
        }
        create_one(&mut w, "a", "/p");
        let e = call(
            &mut w,
            create,
            &[("RegionId", "cn-hangzhou"), ("Path", "/p")],
        )
        .unwrap_err();
        assert_eq!(e.code, "DataCache.AlreadyExists");
        call(
            &mut w,
            create,
            &[
                ("RegionId", "cn-hangzhou"),
                ("Path", "/p"),
                ("Bucket", "other"),
            ],
        )
        .unwrap();
    }

    #[test]
    fn update_rules() {
        let mut w = world(Timings::uniform(Duration::from_secs(1)));
        let id = create_one(&mut w, "hf", "/m");
        w.clock.advance(Duration::from_secs(2));
        let upd = |w: &mut World, extra: &[(&str, &str)]| {
            let mut pairs = vec![("RegionId", "cn-hangzhou"), ("DataCacheId", id.as_str())];
            pairs.extend_from_slice(extra);
            call(w, update, &pairs)
        };
        assert_eq!(
            call(
                &mut w,
                update,
                &[("RegionId", "cn-hangzhou"), ("Name", "x")]
            )
            .unwrap_err()
            .code,
            "MissingParameter"
        );
        assert_eq!(
            upd(&mut w, &[("Name", "hf")]).unwrap_err().code,
            "NoNeedUpdate"
        );
        assert_eq!(
            upd(
                &mut w,
                &[
                    (
                        "DataSource.Options.#6#repoId",
                        "stabilityai/stable-diffusion-2-1"
                    ),
                    ("DataSource.Options.repoSource", "HuggingFace/Model")
                ]
            )
            .unwrap_err()
            .code,
            "NoNeedUpdate",
            "same options, prefixed or not"
        );
        assert_eq!(
            upd(&mut w, &[("SecurityGroupId", "sg-1")])
                .unwrap_err()
                .code,
            "NoNeedUpdate"
        );
        assert_eq!(
            upd(&mut w, &[("Bucket", "other"), ("Name", "n")])
                .unwrap_err()
                .code,
            "InvalidParameter"
        );
        upd(&mut w, &[("Name", "renamed"), ("Bucket", "default")]).unwrap();
        assert_eq!(status(&mut w, &id), Status::Available);
        upd(
            &mut w,
            &[("DataSource.Options.#3#url", "https://example.com/x")],
        )
        .unwrap();
        assert_eq!(w.data_caches[0].status, Status::Updating);
        assert_eq!(
            upd(&mut w, &[("Name", "again")]).unwrap_err().code,
            "IncorrectStatus"
        );
        w.clock.advance(Duration::from_secs(1));
        assert_eq!(status(&mut w, &id), Status::Available);
        assert_eq!(w.data_caches[0].data_source_options.len(), 1);
        w.settings.data_cache_no_need_update = false;
        upd(&mut w, &[("Name", "renamed")]).unwrap();
        w.settings.rules.push(OutcomeRule {
            kind: RuleKind::DataCache,
            name_contains: "renamed".into(),
            on: RuleOn::Update,
            outcome: Outcome::Failed,
            message: "no space left".into(),
        });
        upd(&mut w, &[("Size", "80")]).unwrap();
        w.clock.advance(Duration::from_secs(1));
        assert_eq!(status(&mut w, &id), Status::UpdateFailed);
        assert_eq!(
            call(
                &mut w,
                update,
                &[
                    ("RegionId", "cn-hangzhou"),
                    ("DataCacheId", "edc-nope"),
                    ("Name", "x")
                ]
            )
            .unwrap_err()
            .code,
            "InvalidParameter.NotFound"
        );
    }

    #[test]
    fn stuck_and_failed_creation() {
        let mut w = world(Timings::zero());
        for (name, outcome) in [("stuck", Outcome::Stuck), ("broken", Outcome::Failed)] {
            w.settings.rules.push(OutcomeRule {
                kind: RuleKind::DataCache,
                name_contains: name.into(),
                on: RuleOn::Create,
                outcome,
                message: String::new(),
            });
        }
        let s = create_one(&mut w, "stuck", "/s");
        let b = create_one(&mut w, "broken", "/b");
        w.clock.advance(Duration::from_secs(86_400 * 30));
        assert_eq!(status(&mut w, &s), Status::Loading);
        assert_eq!(status(&mut w, &b), Status::Failed);
        let e = call(
            &mut w,
            delete,
            &[("RegionId", "cn-hangzhou"), ("DataCacheId", &s)],
        )
        .unwrap_err();
        assert_eq!(e.code, "IncorrectStatus");
        call(
            &mut w,
            delete,
            &[("RegionId", "cn-hangzhou"), ("DataCacheId", &b)],
        )
        .unwrap();
    }

    #[test]
    fn delete_by_id_or_path() {
        let mut w = world(Timings::zero());
        let a = create_one(&mut w, "a", "/a");
        create_one(&mut w, "b", "/b");
        let r = ("RegionId", "cn-hangzhou");
        assert_eq!(
            call(&mut w, delete, &[r]).unwrap_err().code,
            "MissingParameter"
        );
        assert_eq!(
            call(&mut w, delete, &[r, ("DataCacheId", &a), ("Path", "/b")])
                .unwrap_err()
                .code,
            "InvalidParameter"
        );
        call(
            &mut w,
            delete,
            &[
                r,
                ("DataCacheId", &a),
                ("Path", "/a"),
                ("Bucket", "default"),
            ],
        )
        .unwrap();
        call(&mut w, delete, &[r, ("Path", "/b")]).unwrap();
        assert!(w.data_caches.is_empty());
        assert_eq!(
            call(&mut w, delete, &[r, ("Path", "/b")]).unwrap_err().code,
            "InvalidParameter.NotFound"
        );
    }

    #[test]
    fn describe_filters_limits() {
        let mut w = world(Timings::zero());
        let ids: Vec<String> = (0..3)
            .map(|i| create_one(&mut w, "n", &format!("/p{i}")))
            .collect();
        let r = ("RegionId", "cn-hangzhou");
        let b = call(
            &mut w,
            describe,
            &[r, ("DataCacheId.1", &ids[0]), ("DataCacheId.2", &ids[2])],
        )
        .unwrap();
        assert_eq!(b["TotalCount"], 2);
        let b = call(&mut w, describe, &[r, ("Path", "/p1")]).unwrap();
        assert_eq!(b["DataCaches"][0]["DataCacheId"], ids[1].as_str());
        let b = call(&mut w, describe, &[r, ("Limit", "2")]).unwrap();
        assert_eq!(b["DataCaches"].as_array().unwrap().len(), 2);
        assert!(!b["NextToken"].as_str().unwrap().is_empty());
        for bad in ["0", "21", "x"] {
            assert_eq!(
                call(&mut w, describe, &[r, ("Limit", bad)])
                    .unwrap_err()
                    .code,
                "InvalidParameter"
            );
        }
        let b = call(&mut w, describe, &[r, ("DataCacheId.1", "edc-unknown")]).unwrap();
        assert_eq!(b["DataCaches"], json!([]));
    }
}
