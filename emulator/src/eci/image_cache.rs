//! ECI image caches (`imc-…`): CreateImageCache, DescribeImageCaches,
//! UpdateImageCache, DeleteImageCache. Facts and choices:
//! docs/development/api-reference.md, «Image cache».
//!
//! ```text
//! Create ─► Preparing ─► Creating ─► Ready            (rule: Failed | Stuck in Creating)
//!                                 └► Failed ─(failed retention, 1 day)─► gone
//! Update (Ready|UpdateFailed) ─► Updating ─► Ready | UpdateFailed   (only when data changes)
//! ExpireDateTime reached ─► gone
//! ```

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{days_ms, progress, Event};
use crate::clock::{format_utc, ms, parse_utc, ser_opt_utc, ser_utc, Millis};
use crate::config::{find_rule, Outcome, RuleKind, RuleOn, Timings};
use crate::error::{ApiResult, EmuError};
use crate::kind::{stored_fields, Kind, Tagging};
use crate::params::{Node, Params};
use crate::routes::{r, Route, ECI_VERSION};
use crate::tags::{self, Product, Tag};
use crate::world::{new_id, paginate, Body, Call, Settings, World, ALNUM};

/// Image cache statuses (see docs/development/api-reference.md, «Image cache»).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    /// Intermediate resources being prepared.
    Preparing,
    /// Images being pulled, snapshot being made.
    Creating,
    /// Usable.
    Ready,
    /// Creation failed (removed after the failed retention).
    Failed,
    /// Update being applied.
    Updating,
    /// Last update failed.
    UpdateFailed,
}

impl Status {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Preparing" => Self::Preparing,
            "Creating" => Self::Creating,
            "Ready" => Self::Ready,
            "Failed" => Self::Failed,
            "Updating" => Self::Updating,
            "UpdateFailed" => Self::UpdateFailed,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Preparing => "Preparing",
            Self::Creating => "Creating",
            Self::Ready => "Ready",
            Self::Failed => "Failed",
            Self::Updating => "Updating",
            Self::UpdateFailed => "UpdateFailed",
        }
    }
}

/// `ImageRegistryCredential.N`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Credential {
    /// Registry address (no scheme).
    pub server: String,
    /// User.
    pub user_name: String,
    /// Password (shown by `/_emulator/state`, masked in the request log).
    pub password: String,
}

/// `AcrRegistryInfo.N`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AcrInfo {
    /// ACR EE instance.
    pub instance_id: String,
    /// Instance name.
    pub instance_name: String,
    /// Region of the instance.
    pub region_id: String,
    /// `Domain.M`.
    pub domains: Vec<String>,
    /// Create-only cross-account role.
    pub arn_service: String,
    /// Create-only cross-account role.
    pub arn_user: String,
}

impl AcrInfo {
    /// The part UpdateImageCache can change.
    fn updatable(&self) -> (&str, &str, &str, &[String]) {
        (
            &self.instance_id,
            &self.instance_name,
            &self.region_id,
            &self.domains,
        )
    }
}

/// A scripted ending for the running transition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scripted {
    /// Outcome.
    pub outcome: Outcome,
    /// Message for the Warning event.
    pub message: String,
}

/// One image cache with every stored field, write-only inputs included.
#[derive(Clone, Debug, Serialize)]
pub struct ImageCache {
    /// Creation order.
    pub seq: u64,
    /// `imc-…`.
    pub image_cache_id: String,
    /// Region.
    pub region_id: String,
    /// Name.
    pub image_cache_name: String,
    /// GiB.
    pub image_cache_size: i64,
    /// Images.
    pub images: Vec<String>,
    /// Status.
    pub status: Status,
    /// When the current status was entered.
    #[serde(serialize_with = "ser_utc")]
    pub status_since: Millis,
    /// `"NN%"`.
    pub progress: String,
    /// `s-…` once a snapshot exists.
    pub snapshot_id: Option<String>,
    /// Local snapshot when `Flash`.
    pub flash_snapshot_id: Option<String>,
    /// Intermediate instance `eci-…`.
    pub container_group_id: String,
    /// Creation time.
    #[serde(serialize_with = "ser_utc")]
    pub creation_time: Millis,
    /// `RetentionDays` as sent.
    pub retention_days: Option<i64>,
    /// Expiry (creation + retention).
    #[serde(serialize_with = "ser_opt_utc")]
    pub expire_date_time: Option<Millis>,
    /// Last match by an instance creation (never set by the API).
    #[serde(serialize_with = "ser_opt_utc")]
    pub last_matched_time: Option<Millis>,
    /// `LRU` or empty.
    pub elimination_strategy: String,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Resource group.
    pub resource_group_id: String,
    /// Events.
    pub events: Vec<Event>,
    /// Write-only: zone.
    pub zone_id: Option<String>,
    /// Write-only: security group.
    pub security_group_id: Option<String>,
    /// Write-only: vSwitch list (comma-separated).
    pub v_switch_id: Option<String>,
    /// Write-only: EIP.
    pub eip_instance_id: Option<String>,
    /// Write-only.
    pub auto_match_image_cache: bool,
    /// Write-only.
    pub flash: bool,
    /// Write-only.
    pub standard_copy_count: i64,
    /// Write-only.
    pub flash_copy_count: i64,
    /// Write-only.
    pub image_registry_credentials: Vec<Credential>,
    /// Write-only.
    pub acr_registry_info: Vec<AcrInfo>,
    /// Write-only, create-only.
    pub annotations: Option<String>,
    /// Write-only, create-only.
    pub plain_http_registry: Option<String>,
    /// Write-only, create-only.
    pub insecure_registry: Option<String>,
    /// Write-only, create-only.
    pub os_type: String,
    /// Scripted ending of the running transition.
    pub scripted: Option<Scripted>,
    /// When it entered `Failed`.
    #[serde(serialize_with = "ser_opt_utc")]
    pub failed_at: Option<Millis>,
}

impl ImageCache {
    /// Advance the state machine to `now`. Pure: transition times come from
    /// `status_since` + the configured durations, not from when we look.
    pub fn advance(&mut self, now: Millis, t: &Timings) {
        loop {
            let dur = match self.status {
                Status::Preparing => ms(t.image_cache_preparing),
                Status::Creating => ms(t.image_cache_creating),
                Status::Updating => ms(t.image_cache_updating),
                _ => break,
            };
            let stuck = self.status != Status::Preparing
                && self
                    .scripted
                    .as_ref()
                    .is_some_and(|s| s.outcome == Outcome::Stuck);
            let end = self.status_since + dur;
            if stuck || now < end {
                break;
            }
            match self.status {
                Status::Preparing => self.enter(Status::Creating, end),
                _ => match self.scripted.take() {
                    Some(s) if s.outcome != Outcome::Stuck => self.fail(end, &s.message),
                    _ => self.succeed(end),
                },
            }
        }
        match self.status {
            Status::Preparing => self.progress = "0%".into(),
            Status::Creating => {
                self.progress = progress(now, self.status_since, ms(t.image_cache_creating))
            }
            Status::Updating => {
                self.progress = progress(now, self.status_since, ms(t.image_cache_updating))
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
            ("Updated", "Successfully updated image cache.")
        } else {
            ("Created", "Successfully created image cache.")
        };
        // A (re-)pull produces a new snapshot.
        self.snapshot_id = Some(new_id("s-", 20, ALNUM));
        self.flash_snapshot_id = self.flash.then(|| new_id("s-", 20, ALNUM));
        self.progress = "100%".into();
        self.events
            .push(Event::normal(&self.image_cache_name, reason, msg, at));
        self.enter(Status::Ready, at);
    }

    fn fail(&mut self, at: Millis, message: &str) {
        let (status, default) = if self.status == Status::Updating {
            (
                Status::UpdateFailed,
                "Failed to update image cache: image pull failed.",
            )
        } else {
            (
                Status::Failed,
                "Failed to create image cache: image pull failed.",
            )
        };
        let msg = if message.is_empty() { default } else { message };
        self.events
            .push(Event::warning(&self.image_cache_name, "Failed", msg, at));
        if status == Status::Failed {
            self.failed_at = Some(at);
        }
        self.enter(status, at);
    }

    /// Whether the sweep should remove it (expired, or failed long enough ago).
    pub fn gone(&self, now: Millis, failed_retention: Millis) -> bool {
        self.expire_date_time.is_some_and(|e| now >= e)
            || self.failed_at.is_some_and(|f| now >= f + failed_retention)
    }

    /// The DescribeImageCaches item.
    pub fn describe(&self) -> Value {
        let mut m = Map::new();
        m.insert("ImageCacheId".into(), json!(self.image_cache_id));
        m.insert("ImageCacheName".into(), json!(self.image_cache_name));
        m.insert("ImageCacheSize".into(), json!(self.image_cache_size));
        m.insert("Images".into(), json!(self.images));
        m.insert("Status".into(), json!(self.status.as_str()));
        m.insert("Progress".into(), json!(self.progress));
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
        m.insert(
            "EliminationStrategy".into(),
            json!(self.elimination_strategy),
        );
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
            "ImageCacheName" => self.image_cache_name = s()?,
            "ImageCacheSize" => {
                self.image_cache_size = v.as_i64().ok_or("ImageCacheSize must be an integer")?
            }
            "Images" => {
                self.images = serde_json::from_value(v.clone())
                    .map_err(|_| "Images must be an array of strings")?
            }
            "Status" => {
                let st = Status::parse(&s()?).ok_or("unknown image cache status")?;
                self.scripted = None;
                self.failed_at = (st == Status::Failed).then_some(now);
                self.enter(st, now);
                if st == Status::Ready {
                    self.progress = "100%".into();
                }
            }
            "Progress" => self.progress = s()?,
            "SnapshotId" => self.snapshot_id = Some(s()?),
            "FlashSnapshotId" => self.flash_snapshot_id = Some(s()?),
            "ContainerGroupId" => self.container_group_id = s()?,
            "CreationTime" => self.creation_time = time()?,
            "ExpireDateTime" => self.expire_date_time = Some(time()?),
            "LastMatchedTime" => self.last_matched_time = Some(time()?),
            "EliminationStrategy" => self.elimination_strategy = s()?,
            "RegionId" => self.region_id = s()?,
            "ResourceGroupId" => self.resource_group_id = s()?,
            "Tags" => self.tags = tags::from_json(v).ok_or("Tags must be [{Key,Value}]")?,
            other => return Err(format!("{other} is not a patchable image cache field")),
        }
        Ok(())
    }
}

fn credentials(params: &Params) -> ApiResult<Option<Vec<Credential>>> {
    if !params.has("ImageRegistryCredential") {
        return Ok(None);
    }
    params
        .objects("ImageRegistryCredential", 10)?
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let server = n.field("Server").unwrap_or_default();
            if server.is_empty() {
                return Err(EmuError::missing(&format!(
                    "ImageRegistryCredential.{}.Server",
                    i + 1
                )));
            }
            let l = server.to_ascii_lowercase();
            if l.starts_with("http://") || l.starts_with("https://") {
                return Err(EmuError::invalid_value(
                    &format!("ImageRegistryCredential.{}.Server", i + 1),
                    "the registry address must not start with http:// or https://",
                ));
            }
            Ok(Credential {
                server: server.into(),
                user_name: n.field("UserName").unwrap_or_default().into(),
                password: n.field("Password").unwrap_or_default().into(),
            })
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Some)
}

fn acr_info(params: &Params, create: bool) -> ApiResult<Option<Vec<AcrInfo>>> {
    if !params.has("AcrRegistryInfo") {
        return Ok(None);
    }
    let nodes: Vec<&Node> = params.objects("AcrRegistryInfo", 20)?;
    nodes
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let full = format!("AcrRegistryInfo.{}", i + 1);
            let instance_id = n.field("InstanceId").unwrap_or_default();
            if instance_id.is_empty() {
                return Err(EmuError::missing(&format!("{full}.InstanceId")));
            }
            // ArnService/ArnUser are Create-only; Update ignores them like any unknown parameter.
            let arn = |f: &str| {
                if create {
                    n.field(f).unwrap_or_default().to_string()
                } else {
                    String::new()
                }
            };
            Ok(AcrInfo {
                instance_id: instance_id.into(),
                instance_name: n.field("InstanceName").unwrap_or_default().into(),
                region_id: n.field("RegionId").unwrap_or_default().into(),
                domains: n.scalar_list("Domain", &full, 100)?,
                arn_service: arn("ArnService"),
                arn_user: arn("ArnUser"),
            })
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Some)
}

fn images(params: &Params) -> ApiResult<Option<Vec<String>>> {
    if !params.has("Image") {
        return Ok(None);
    }
    let list = params.list("Image", 100)?;
    if let Some(i) = list.iter().position(|s| s.trim().is_empty()) {
        return Err(EmuError::invalid_value(
            &format!("Image.{}", i + 1),
            "an image reference cannot be empty",
        ));
    }
    Ok(Some(list))
}

fn positive(params: &Params, name: &str) -> ApiResult<Option<i64>> {
    params.int_in(name, 1, i64::from(i32::MAX))
}

fn elimination(params: &Params) -> ApiResult<Option<String>> {
    match params.str("EliminationStrategy") {
        None => Ok(None),
        Some(v) if v.is_empty() || v == "LRU" => Ok(Some(v.to_string())),
        Some(_) => Err(EmuError::invalid_value(
            "EliminationStrategy",
            "allowed values are LRU or empty",
        )),
    }
}

fn vswitches(params: &Params) -> ApiResult<Option<String>> {
    let v = params.opt("VSwitchId");
    if let Some(list) = &v {
        if list.split(',').count() > 10 {
            return Err(EmuError::invalid_value(
                "VSwitchId",
                "at most 10 vSwitch IDs may be given",
            ));
        }
    }
    Ok(v)
}

fn find<'a>(w: &'a mut World, region: &str, id: &str) -> ApiResult<&'a mut ImageCache> {
    w.image_caches
        .iter_mut()
        .find(|c| c.image_cache_id == id && c.region_id == region)
        .ok_or_else(|| EmuError::not_found_param("ImageCacheId", id))
}

fn incorrect_status(c: &ImageCache, action: &str) -> EmuError {
    EmuError::new(
        400,
        "ImageCache.IncorrectStatus",
        format!(
            "The image cache {} is {}; {action} is not allowed in this status.",
            c.image_cache_id,
            c.status.as_str()
        ),
    )
}

/// CreateImageCache.
pub fn create(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let name = p.required("ImageCacheName")?.to_string();
    let images = images(p)?.unwrap_or_default();
    if images.is_empty() {
        return Err(EmuError::missing("Image.1"));
    }
    let size = positive(p, "ImageCacheSize")?.unwrap_or(20);
    let retention = positive(p, "RetentionDays")?;
    let os_type = match p.opt("OsType") {
        None => "Linux".to_string(),
        Some(v) if v == "Linux" || v == "Windows" => v,
        Some(_) => {
            return Err(EmuError::invalid_value(
                "OsType",
                "allowed values are Linux or Windows",
            ))
        }
    };
    let tags = tags::parse(p, "Tag", Product::Eci)?;
    let creds = credentials(p)?.unwrap_or_default();
    let acr = acr_info(p, true)?.unwrap_or_default();
    let flash = p.bool("Flash")?.unwrap_or(false);
    let cache = ImageCache {
        seq: w.next_seq(),
        image_cache_id: new_id("imc-", 20, ALNUM),
        region_id: region,
        image_cache_size: size,
        images,
        status: Status::Preparing,
        status_since: call.now,
        progress: "0%".into(),
        snapshot_id: None,
        flash_snapshot_id: None,
        container_group_id: new_id("eci-", 20, ALNUM),
        creation_time: call.now,
        retention_days: retention,
        expire_date_time: retention.map(|d| call.now + days_ms(d)),
        last_matched_time: None,
        elimination_strategy: elimination(p)?.unwrap_or_default(),
        tags,
        resource_group_id: p
            .opt("ResourceGroupId")
            .unwrap_or_else(|| w.settings.default_resource_group_id.clone()),
        events: Vec::new(),
        zone_id: p.opt("ZoneId"),
        security_group_id: p.opt("SecurityGroupId"),
        v_switch_id: vswitches(p)?,
        eip_instance_id: p.opt("EipInstanceId"),
        auto_match_image_cache: p.bool("AutoMatchImageCache")?.unwrap_or(false),
        flash,
        standard_copy_count: positive(p, "StandardCopyCount")?.unwrap_or(1),
        flash_copy_count: positive(p, "FlashCopyCount")?.unwrap_or(1),
        image_registry_credentials: creds,
        acr_registry_info: acr,
        annotations: p.opt("Annotations"),
        plain_http_registry: p.opt("PlainHttpRegistry"),
        insecure_registry: p.opt("InsecureRegistry"),
        os_type,
        scripted: find_rule(
            &w.settings.rules,
            RuleKind::ImageCache,
            RuleOn::Create,
            &name,
        )
        .map(|r| Scripted {
            outcome: r.outcome,
            message: r.message.clone(),
        }),
        failed_at: None,
        image_cache_name: name,
    };
    let mut body = Body::new();
    body.insert("ImageCacheId".into(), json!(cache.image_cache_id));
    body.insert("ContainerGroupId".into(), json!(cache.container_group_id));
    w.image_caches.push(cache);
    Ok(body)
}

/// UpdateImageCache: PATCH-like; metadata applies at once, data changes re-pull.
pub fn update(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let id = p.required("ImageCacheId")?.to_string();
    // Validate everything before looking at the cache, like the real API does
    // with malformed input.
    let name = p.opt("ImageCacheName");
    let retention = positive(p, "RetentionDays")?;
    let new_tags = tags::parse(p, "Tag", Product::Eci)?;
    let rg = p.opt("ResourceGroupId");
    let elim = elimination(p)?;
    let images = images(p)?;
    let creds = credentials(p)?;
    let acr = acr_info(p, false)?;
    let size = positive(p, "ImageCacheSize")?;
    let flash = p.bool("Flash")?;
    let std_copies = positive(p, "StandardCopyCount")?;
    let flash_copies = positive(p, "FlashCopyCount")?;
    let sg = p.opt("SecurityGroupId");
    let vsw = vswitches(p)?;
    let eip = p.opt("EipInstanceId");
    let auto_match = p.bool("AutoMatchImageCache")?;

    let rules = w.settings.rules.clone();
    let c = find(w, &region, &id)?;
    if !matches!(c.status, Status::Ready | Status::UpdateFailed) {
        return Err(incorrect_status(c, "UpdateImageCache"));
    }
    tags::check_total(&c.tags, &new_tags)?;

    let differs = |new: &Option<String>, old: &Option<String>| new.is_some() && new != old;
    let metadata = name.as_ref().is_some_and(|n| *n != c.image_cache_name)
        || retention.is_some_and(|r| Some(r) != c.retention_days)
        || tags::would_change(&c.tags, &new_tags)
        || rg.as_ref().is_some_and(|r| *r != c.resource_group_id)
        || elim.as_ref().is_some_and(|e| *e != c.elimination_strategy);
    let acr_changed = acr.as_ref().is_some_and(|new| {
        new.len() != c.acr_registry_info.len()
            || new
                .iter()
                .zip(&c.acr_registry_info)
                .any(|(a, b)| a.updatable() != b.updatable())
    });
    // Sending Image.N always re-pulls, even with an unchanged list (documented for
    // UpdateImageCache).
    let reload = images.is_some()
        || creds
            .as_ref()
            .is_some_and(|n| *n != c.image_registry_credentials)
        || acr_changed
        || size.is_some_and(|s| s != c.image_cache_size)
        || flash.is_some_and(|f| f != c.flash)
        || std_copies.is_some_and(|n| n != c.standard_copy_count)
        || flash_copies.is_some_and(|n| n != c.flash_copy_count)
        || differs(&sg, &c.security_group_id)
        || differs(&vsw, &c.v_switch_id)
        || differs(&eip, &c.eip_instance_id)
        || auto_match.is_some_and(|a| a != c.auto_match_image_cache);
    if !metadata && !reload {
        return Err(EmuError::no_need_update());
    }

    if let Some(n) = name {
        c.image_cache_name = n;
    }
    if let Some(r) = retention {
        // Assumption (undocumented either way): retention counts from the creation time.
        c.retention_days = Some(r);
        c.expire_date_time = Some(c.creation_time + days_ms(r));
    }
    tags::merge(&mut c.tags, &new_tags);
    if let Some(r) = rg {
        c.resource_group_id = r;
    }
    if let Some(e) = elim {
        c.elimination_strategy = e;
    }
    if let Some(i) = images {
        c.images = i;
    }
    if let Some(cr) = creds {
        c.image_registry_credentials = cr;
    }
    if let Some(mut a) = acr {
        // Keep the create-only ARNs of instances that stay.
        for new in &mut a {
            if let Some(old) = c
                .acr_registry_info
                .iter()
                .find(|o| o.instance_id == new.instance_id)
            {
                new.arn_service = old.arn_service.clone();
                new.arn_user = old.arn_user.clone();
            }
        }
        c.acr_registry_info = a;
    }
    if let Some(s) = size {
        c.image_cache_size = s;
    }
    if let Some(f) = flash {
        c.flash = f;
    }
    if let Some(n) = std_copies {
        c.standard_copy_count = n;
    }
    if let Some(n) = flash_copies {
        c.flash_copy_count = n;
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
    if let Some(a) = auto_match {
        c.auto_match_image_cache = a;
    }
    if reload {
        c.scripted = find_rule(
            &rules,
            RuleKind::ImageCache,
            RuleOn::Update,
            &c.image_cache_name,
        )
        .map(|r| Scripted {
            outcome: r.outcome,
            message: r.message.clone(),
        });
        c.progress = "0%".into();
        c.enter(Status::Updating, call.now);
    }
    Ok(Body::new())
}

/// DeleteImageCache: refused while a transition runs.
pub fn delete(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let id = p.required("ImageCacheId")?.to_string();
    let c = find(w, &region, &id)?;
    if matches!(
        c.status,
        Status::Preparing | Status::Creating | Status::Updating
    ) {
        return Err(incorrect_status(c, "DeleteImageCache"));
    }
    w.image_caches.retain(|c| c.image_cache_id != id);
    Ok(Body::new())
}

/// DescribeImageCaches: AND of all filters, pages of at most 20.
pub fn describe(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let id = p.opt("ImageCacheId");
    let name = p.opt("ImageCacheName");
    let snapshot = p.opt("SnapshotId");
    let image = p.opt("Image");
    let rg = p.opt("ResourceGroupId");
    let tag_filter = tags::parse_filter(p, "Tag")?;
    let match_images = p.list("MatchImage", 100)?;
    let full_match = p.bool("ImageFullMatch")?.unwrap_or(false);
    let match_count = positive(p, "ImageMatchCountRequest")?;
    // No range is published; the old page says at most 20 per query, so larger values are capped.
    let limit = positive(p, "Limit")?.unwrap_or(20).min(20) as usize;

    let eq = |f: &Option<String>, v: &str| f.as_ref().is_none_or(|f| f == v);
    let mut found: Vec<&ImageCache> = w
        .image_caches
        .iter()
        .filter(|c| c.region_id == region)
        .filter(|c| eq(&id, &c.image_cache_id) && eq(&name, &c.image_cache_name))
        .filter(|c| {
            snapshot
                .as_ref()
                .is_none_or(|s| c.snapshot_id.as_ref() == Some(s))
        })
        .filter(|c| image.as_ref().is_none_or(|i| c.images.contains(i)))
        .filter(|c| eq(&rg, &c.resource_group_id))
        .filter(|c| tags::matches(&c.tags, &tag_filter))
        .filter(|c| {
            // Layer matching is approximated by image references: any of them
            // (or all of them with ImageFullMatch).
            match_images.is_empty()
                || if full_match {
                    match_images.iter().all(|m| c.images.contains(m))
                } else {
                    match_images.iter().any(|m| c.images.contains(m))
                }
        })
        .collect();
    if !match_images.is_empty() {
        if let Some(n) = match_count {
            found.truncate(n as usize);
        }
    }
    let page = paginate(found, |c| c.seq, "imc", p.str("NextToken"), limit)?;
    let mut body = Body::new();
    body.insert(
        "ImageCaches".into(),
        Value::Array(page.items.iter().map(|c| c.describe()).collect()),
    );
    body.insert("NextToken".into(), json!(page.next_token));
    body.insert("TotalCount".into(), json!(page.total));
    Ok(body)
}

impl Kind for ImageCache {
    const STATE_KEY: &'static str = "image_caches";
    const ROUTES: &'static [Route] = &[
        r("CreateImageCache", ECI_VERSION, true, create),
        r("DescribeImageCaches", ECI_VERSION, false, describe),
        r("UpdateImageCache", ECI_VERSION, true, update),
        r("DeleteImageCache", ECI_VERSION, true, delete),
    ];
    const TAGGING: Option<Tagging> = Some(Tagging {
        version: ECI_VERSION,
        resource_type: "ImageCache",
    });

    stored_fields!(image_cache_id);
    fn advance(&mut self, now: Millis, s: &Settings) {
        self.advance(now, &s.timings);
    }
    fn gone(&self, now: Millis, s: &Settings) -> bool {
        self.gone(now, s.failed_image_cache_retention)
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

    const SEC: Millis = 1000;

    fn world(timings: Timings) -> World {
        let mut c = Config::for_tests();
        c.timings = timings;
        World::new(
            Settings::from_config(&c),
            Clock::manual_at(1_717_243_200_000),
        )
    }

    fn create_one(w: &mut World, name: &str) -> String {
        let b = call(
            w,
            create,
            &[
                ("RegionId", "cn-hangzhou"),
                ("ImageCacheName", name),
                ("Image.1", "nginx:latest"),
                ("SecurityGroupId", "sg-1"),
                ("VSwitchId", "vsw-1"),
                ("RetentionDays", "2"),
            ],
        )
        .unwrap();
        b["ImageCacheId"].as_str().unwrap().to_string()
    }

    fn status(w: &mut World, id: &str) -> Status {
        w.sweep();
        w.image_caches
            .iter()
            .find(|c| c.image_cache_id == id)
            .map(|c| c.status)
            .unwrap()
    }

    #[test]
    fn create_walks_preparing_creating_ready_with_the_clock() {
        let mut w = world(Timings::uniform(Duration::from_secs(10)));
        let id = create_one(&mut w, "c1");
        assert!(id.starts_with("imc-") && id.len() == 24);
        assert_eq!(status(&mut w, &id), Status::Preparing);
        w.clock.advance(Duration::from_secs(10));
        assert_eq!(status(&mut w, &id), Status::Creating);
        w.clock.advance(Duration::from_secs(5));
        assert_eq!(w.image_caches[0].progress, "0%");
        w.sweep();
        assert_eq!(w.image_caches[0].progress, "50%");
        w.clock.advance(Duration::from_secs(5));
        assert_eq!(status(&mut w, &id), Status::Ready);
        let c = &w.image_caches[0];
        assert_eq!(c.progress, "100%");
        assert!(c.snapshot_id.as_deref().unwrap().starts_with("s-"));
        assert_eq!(c.events.len(), 1);
        // The event is stamped with the transition time, not the observation time.
        assert_eq!(c.events[0].first_timestamp, c.creation_time + 20 * SEC);
    }

    #[test]
    fn zero_durations_reach_ready_on_next_access() {
        let mut w = world(Timings::zero());
        let id = create_one(&mut w, "c");
        assert_eq!(w.image_caches[0].status, Status::Preparing);
        assert_eq!(status(&mut w, &id), Status::Ready);
    }

    #[test]
    fn scripted_failure_then_removal_after_retention() {
        let mut w = world(Timings::zero());
        w.settings.rules.push(OutcomeRule {
            kind: RuleKind::ImageCache,
            name_contains: "bad".into(),
            on: RuleOn::Create,
            outcome: Outcome::Failed,
            message: "pull access denied".into(),
        });
        let good = create_one(&mut w, "good");
        let bad = create_one(&mut w, "bad-one");
        assert_eq!(status(&mut w, &good), Status::Ready);
        assert_eq!(status(&mut w, &bad), Status::Failed);
        let c = w
            .image_caches
            .iter()
            .find(|c| c.image_cache_id == bad)
            .unwrap();
        let ev = c.events.last().unwrap();
        assert_eq!(
            (ev.kind.as_str(), ev.message.as_str()),
            ("Warning", "pull access denied")
        );
        assert!(c.snapshot_id.is_none());
        w.clock.advance(Duration::from_secs(86_400));
        w.sweep();
        assert!(w.image_caches.iter().all(|c| c.image_cache_id != bad));
        // The good one expires after its 2 retention days.
        assert_eq!(w.image_caches.len(), 1);
        w.clock.advance(Duration::from_secs(86_400));
        w.sweep();
        assert!(w.image_caches.is_empty());
    }

    #[test]
    fn stuck_rule_never_leaves_creating() {
        let mut w = world(Timings::zero());
        w.settings.rules.push(OutcomeRule {
            kind: RuleKind::ImageCache,
            name_contains: String::new(),
            on: RuleOn::Create,
            outcome: Outcome::Stuck,
            message: String::new(),
        });
        let id = create_one(&mut w, "x");
        w.clock.advance(Duration::from_secs(3600));
        assert_eq!(status(&mut w, &id), Status::Creating);
        let e = call(
            &mut w,
            delete,
            &[("RegionId", "cn-hangzhou"), ("ImageCacheId", &id)],
        )
        .unwrap_err();
        assert_eq!(e.code, "ImageCache.IncorrectStatus");
    }

    #[test]
    fn update_rules_metadata_vs_reload_vs_no_need() {
        let mut w = world(Timings::uniform(Duration::from_secs(1)));
        let id = create_one(&mut w, "c");
        let upd = |w: &mut World, extra: &[(&str, &str)]| {
            let mut pairs = vec![("RegionId", "cn-hangzhou"), ("ImageCacheId", id.as_str())];
            pairs.extend_from_slice(extra);
            call(w, update, &pairs)
        };
        // Not Ready yet.
        assert_eq!(
            upd(&mut w, &[("ImageCacheName", "n")]).unwrap_err().code,
            "ImageCache.IncorrectStatus"
        );
        w.clock.advance(Duration::from_secs(2));
        assert_eq!(status(&mut w, &id), Status::Ready);
        // Nothing changes: same name, same write-only network, same tags (none).
        for same in [
            vec![("ImageCacheName", "c")],
            vec![("SecurityGroupId", "sg-1"), ("VSwitchId", "vsw-1")],
            vec![("RetentionDays", "2"), ("ImageCacheSize", "20")],
            vec![("AutoMatchImageCache", "false"), ("Flash", "False")],
            vec![],
        ] {
            assert_eq!(
                upd(&mut w, &same).unwrap_err().code,
                "NoNeedUpdate",
                "{same:?}"
            );
        }
        // Metadata: immediate, status kept.
        upd(
            &mut w,
            &[
                ("ImageCacheName", "renamed"),
                ("Tag.1.Key", "a"),
                ("Tag.1.Value", "1"),
            ],
        )
        .unwrap();
        assert_eq!(status(&mut w, &id), Status::Ready);
        assert_eq!(w.image_caches[0].image_cache_name, "renamed");
        // Tags merge: adding b keeps a; re-sending a=1 is no change.
        assert_eq!(
            upd(&mut w, &[("Tag.1.Key", "a"), ("Tag.1.Value", "1")])
                .unwrap_err()
                .code,
            "NoNeedUpdate"
        );
        upd(&mut w, &[("Tag.1.Key", "b"), ("Tag.1.Value", "2")]).unwrap();
        assert_eq!(w.image_caches[0].tags.len(), 2);
        // Retention recomputes expiry from creation time.
        upd(&mut w, &[("RetentionDays", "5")]).unwrap();
        let c = &w.image_caches[0];
        assert_eq!(c.expire_date_time, Some(c.creation_time + days_ms(5)));
        // A write-only network change re-pulls.
        upd(&mut w, &[("SecurityGroupId", "sg-2")]).unwrap();
        assert_eq!(status(&mut w, &id), Status::Updating);
        w.clock.advance(Duration::from_secs(1));
        assert_eq!(status(&mut w, &id), Status::Ready);
        // Sending the same image list still re-pulls (documented for UpdateImageCache).
        let snap = w.image_caches[0].snapshot_id.clone();
        upd(&mut w, &[("Image.1", "nginx:latest")]).unwrap();
        assert_eq!(status(&mut w, &id), Status::Updating);
        w.clock.advance(Duration::from_secs(1));
        assert_eq!(status(&mut w, &id), Status::Ready);
        assert_ne!(w.image_caches[0].snapshot_id, snap);
        // Credentials: stored from create (none), a new one re-pulls; the same again is no change.
        let cred = [
            ("ImageRegistryCredential.1.Server", "r.example.com"),
            ("ImageRegistryCredential.1.UserName", "u"),
            ("ImageRegistryCredential.1.Password", "p"),
        ];
        upd(&mut w, &cred).unwrap();
        w.clock.advance(Duration::from_secs(1));
        assert_eq!(status(&mut w, &id), Status::Ready);
        assert_eq!(upd(&mut w, &cred).unwrap_err().code, "NoNeedUpdate");
    }

    #[test]
    fn update_failure_rule_and_recovery() {
        let mut w = world(Timings::zero());
        w.settings.rules.push(OutcomeRule {
            kind: RuleKind::ImageCache,
            name_contains: "flaky".into(),
            on: RuleOn::Update,
            outcome: Outcome::UpdateFailed,
            message: String::new(),
        });
        let id = create_one(&mut w, "flaky");
        assert_eq!(status(&mut w, &id), Status::Ready);
        let base = [("RegionId", "cn-hangzhou"), ("ImageCacheId", id.as_str())];
        let mut p = base.to_vec();
        p.push(("ImageCacheSize", "40"));
        call(&mut w, update, &p).unwrap();
        assert_eq!(status(&mut w, &id), Status::UpdateFailed);
        assert_eq!(w.image_caches[0].events.last().unwrap().kind, "Warning");
        // UpdateFailed can be updated and deleted.
        let mut p = base.to_vec();
        p.push(("ImageCacheName", "fixed"));
        call(&mut w, update, &p).unwrap();
        assert_eq!(status(&mut w, &id), Status::UpdateFailed);
        call(&mut w, delete, &base).unwrap();
        assert!(w.image_caches.is_empty());
        assert_eq!(
            call(&mut w, delete, &base).unwrap_err().code,
            "InvalidParameter.NotFound"
        );
    }

    #[test]
    fn create_validation() {
        let mut w = world(Timings::zero());
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("ImageCacheName", "n"), ("Image.1", "x")],
                "MissingParameter",
            ),
            (&[("RegionId", "r"), ("Image.1", "x")], "MissingParameter"),
            (
                &[("RegionId", "r"), ("ImageCacheName", "n")],
                "MissingParameter",
            ),
            (
                &[("RegionId", "r"), ("ImageCacheName", "n"), ("Image.2", "x")],
                "InvalidParameter",
            ),
            (
                &[
                    ("RegionId", "r"),
                    ("ImageCacheName", "n"),
                    ("Image.1", "x"),
                    ("ImageCacheSize", "big"),
                ],
                "InvalidParameter",
            ),
            (
                &[
                    ("RegionId", "r"),
                    ("ImageCacheName", "n"),
                    ("Image.1", "x"),
                    ("Flash", "yes"),
                ],
                "InvalidParameter",
            ),
            (
                &[
                    ("RegionId", "r"),
                    ("ImageCacheName", "n"),
                    ("Image.1", "x"),
                    ("Tag.1.Key", "acs:x"),
                ],
                "InvalidTagKey.Malformed",
            ),
            (
                &[
                    ("RegionId", "r"),
                    ("ImageCacheName", "n"),
                    ("Image.1", "x"),
                    ("AcrRegistryInfo.1.InstanceName", "i"),
                ],
                "MissingParameter",
            ),
            (
                &[
                    ("RegionId", "r"),
                    ("ImageCacheName", "n"),
                    ("Image.1", "x"),
                    ("ImageRegistryCredential.1.Server", "https://r"),
                ],
                "InvalidParameter",
            ),
            (
                &[
                    ("RegionId", "r"),
                    ("ImageCacheName", "n"),
                    ("Image.1", "x"),
                    ("EliminationStrategy", "FIFO"),
                ],
                "InvalidParameter",
            ),
        ];
        for (pairs, code) in cases {
            assert_eq!(
                call(&mut w, create, pairs).unwrap_err().code,
                *code,
                "{pairs:?}"
            );
        }
        let many: Vec<(String, String)> = (1..=11)
            .map(|i| {
                (
                    format!("ImageRegistryCredential.{i}.Server"),
                    "r".to_string(),
                )
            })
            .collect();
        let mut pairs: Vec<(&str, &str)> =
            many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        pairs.extend([("RegionId", "r"), ("ImageCacheName", "n"), ("Image.1", "x")]);
        assert_eq!(
            call(&mut w, create, &pairs).unwrap_err().code,
            "InvalidParameter"
        );
        assert!(w.image_caches.is_empty());
    }

    #[test]
    fn describe_filters_and_pages() {
        let mut w = world(Timings::zero());
        let ids: Vec<String> = (0..25)
            .map(|i| create_one(&mut w, &format!("c{i}")))
            .collect();
        call(
            &mut w,
            create,
            &[
                ("RegionId", "cn-beijing"),
                ("ImageCacheName", "other"),
                ("Image.1", "busybox"),
            ],
        )
        .unwrap();
        let b = call(&mut w, describe, &[("RegionId", "cn-hangzhou")]).unwrap();
        assert_eq!(b["ImageCaches"].as_array().unwrap().len(), 20);
        assert_eq!(b["TotalCount"], 25);
        let token = b["NextToken"].as_str().unwrap().to_string();
        assert!(!token.is_empty());
        let b2 = call(
            &mut w,
            describe,
            &[("RegionId", "cn-hangzhou"), ("NextToken", &token)],
        )
        .unwrap();
        assert_eq!(b2["ImageCaches"].as_array().unwrap().len(), 5);
        assert_eq!(b2["NextToken"], "");
        let b = call(
            &mut w,
            describe,
            &[("RegionId", "cn-hangzhou"), ("Limit", "100")],
        )
        .unwrap();
        assert_eq!(b["ImageCaches"].as_array().unwrap().len(), 20);
        let b = call(
            &mut w,
            describe,
            &[("RegionId", "cn-hangzhou"), ("ImageCacheId", &ids[3])],
        )
        .unwrap();
        let item = &b["ImageCaches"][0];
        assert_eq!(item["ImageCacheName"], "c3");
        assert_eq!(item["Status"], "Ready");
        assert_eq!(item["ImageCacheSize"], 20);
        assert_eq!(item["Images"], json!(["nginx:latest"]));
        assert!(item["ExpireDateTime"].is_string());
        assert!(item["Tags"].is_array() && item["Events"].is_array());
        let b = call(
            &mut w,
            describe,
            &[("RegionId", "cn-hangzhou"), ("ImageCacheId", "imc-unknown")],
        )
        .unwrap();
        assert_eq!(b["ImageCaches"], json!([]));
        assert_eq!(b["TotalCount"], 0);
        let b = call(
            &mut w,
            describe,
            &[("RegionId", "cn-beijing"), ("Image", "busybox")],
        )
        .unwrap();
        assert_eq!(b["TotalCount"], 1);
        let b = call(
            &mut w,
            describe,
            &[
                ("RegionId", "cn-hangzhou"),
                ("ImageCacheName", "c1"),
                ("Image", "busybox"),
            ],
        )
        .unwrap();
        assert_eq!(b["TotalCount"], 0, "filters are AND-combined");
        let b = call(
            &mut w,
            describe,
            &[
                ("RegionId", "cn-hangzhou"),
                ("MatchImage.1", "nginx:latest"),
                ("ImageMatchCountRequest", "3"),
            ],
        )
        .unwrap();
        assert_eq!(b["TotalCount"], 3);
        assert_eq!(
            call(
                &mut w,
                describe,
                &[("RegionId", "cn-hangzhou"), ("Limit", "0")]
            )
            .unwrap_err()
            .code,
            "InvalidParameter"
        );
    }
}
