//! ECI (`2018-08-08`) actions: image caches, data caches and tags.
//!
//! One request struct and one response struct per action, with the wire
//! names of the official SDK models (see docs/development/api-reference.md,
//! «Image cache» and «Data cache»; every documented parameter except the
//! internal `Owner*`/`ResourceOwner*` ones), and one `Client` method per action.
//! `RegionId` is added by the client; the `ClientToken` of create/update/delete
//! is a separate `&ClientToken` argument so the caller keeps it across retries.
//!
//! Responses decode leniently (the private `de` helpers); fields the service
//! omits keep their `Default`. "Not found" on a describe is an empty list,
//! which the `describe_*_cache(id)` helpers turn into `None`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{CallContext, Client, Product};
use super::coalesce::{self, Coalesced, Coalescer, ListPage};
use super::credentials::Secret;
use super::de;
use super::error::ApiError;
use super::paginate::{collect_all, Page};
use super::params;
use super::token::ClientToken;
use super::types::{Ack, Tag};

/// Page size used by the `*_all` helpers when the request sets no `Limit`
/// (the documented maximum of DescribeDataCaches; safe for the others).
const DEFAULT_PAGE_SIZE: u32 = 20;

/// Codes with which a call addressing one image cache says it does not exist.
/// ECI publishes none for an unknown cache: `InvalidParameter.NotFound` is the code
/// it uses for missing container groups (and the emulator's choice), the others
/// are the shapes other Alibaba services use for a missing ID.
pub const IMAGE_CACHE_NOT_FOUND: &[&str] = &[
    "InvalidParameter.NotFound",
    "InvalidImageCacheId.NotFound",
    "InvalidImageCache.NotFound",
    "ImageCache.NotFound",
];

/// Codes with which a call addressing one data cache says it does not exist (as
/// for image caches, none is published).
pub const DATA_CACHE_NOT_FOUND: &[&str] = &[
    "InvalidParameter.NotFound",
    "InvalidDataCacheId.NotFound",
    "InvalidDataCache.NotFound",
    "DataCache.NotFound",
];

// ---------------------------------------------------------------- image caches

/// Credentials for a private registry (`ImageRegistryCredential.N.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageRegistryCredential {
    /// Registry address without `http://`/`https://`.
    pub server: String,
    /// Registry user name.
    pub user_name: String,
    /// Registry password; never printed, scrubbed from error text.
    pub password: Secret,
}

/// An ACR Enterprise Edition instance for password-free pulls
/// (`AcrRegistryInfo.N.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AcrRegistryInfo {
    /// ACR instance ID (required whenever this block is used).
    pub instance_id: Option<String>,
    /// ACR instance name.
    pub instance_name: Option<String>,
    /// Region of the ACR instance.
    pub region_id: Option<String>,
    /// Domains (`Domain.M`); empty = all domains of the instance.
    pub domain: Vec<String>,
    /// RAM role ARN in the ECI account (cross-account). CreateImageCache only:
    /// leave `None` in an update.
    pub arn_service: Option<String>,
    /// RAM role ARN in the ACR account (cross-account). CreateImageCache only.
    pub arn_user: Option<String>,
}

/// CreateImageCache parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateImageCacheRequest {
    /// Zone of the intermediate instance.
    pub zone_id: Option<String>,
    /// Security group of the intermediate instance.
    pub security_group_id: Option<String>,
    /// vSwitch ID(s), comma-separated (up to 10).
    pub v_switch_id: Option<String>,
    /// Cache name (required).
    pub image_cache_name: String,
    /// EIP used to pull public images.
    pub eip_instance_id: Option<String>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Size in GiB (service default 20).
    pub image_cache_size: Option<i64>,
    /// Days before the cache expires (default: never).
    pub retention_days: Option<i64>,
    /// Reuse layers of existing caches.
    pub auto_match_image_cache: Option<bool>,
    /// Private registry credentials (up to 10).
    pub image_registry_credential: Vec<ImageRegistryCredential>,
    /// Images to cache (required, 1..100), sent as `Image.N`.
    pub image: Vec<String>,
    /// Tags (up to 20).
    pub tag: Vec<Tag>,
    /// Instant image cache (local snapshot first).
    pub flash: Option<bool>,
    /// ACR Enterprise Edition instances (up to 20).
    pub acr_registry_info: Vec<AcrRegistryInfo>,
    /// Opaque annotations.
    pub annotations: Option<String>,
    /// Registries pulled over plain HTTP (comma-separated).
    pub plain_http_registry: Option<String>,
    /// Registries whose TLS certificate is not verified (comma-separated).
    pub insecure_registry: Option<String>,
    /// Regular snapshot replicas (default 1).
    pub standard_copy_count: Option<i64>,
    /// Local snapshot replicas (default 1; with `flash`).
    pub flash_copy_count: Option<i64>,
    /// `LRU` or empty.
    pub elimination_strategy: Option<String>,
    /// `Linux` (default) or `Windows`.
    pub os_type: Option<String>,
}

/// CreateImageCache answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateImageCacheResponse {
    /// `RequestId`.
    pub request_id: String,
    /// ID of the new cache (`imc-...`).
    pub image_cache_id: String,
    /// ID of the intermediate ECI instance.
    pub container_group_id: String,
}

/// DescribeImageCaches filters and paging.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeImageCachesRequest {
    /// One cache ID (a scalar, not a list).
    pub image_cache_id: Option<String>,
    /// Cache name.
    pub image_cache_name: Option<String>,
    /// Snapshot ID.
    pub snapshot_id: Option<String>,
    /// An image contained in the cache.
    pub image: Option<String>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Tag filter (up to 20).
    pub tag: Vec<Tag>,
    /// Return the caches that best match these images (`MatchImage.N`).
    pub match_image: Vec<String>,
    /// With `match_image`: only caches containing all layers.
    pub image_full_match: Option<bool>,
    /// With `match_image`: how many fully matching caches to return.
    pub image_match_count_request: Option<i64>,
    /// Page size.
    pub limit: Option<u32>,
    /// Token of the page to fetch.
    pub next_token: Option<String>,
}

/// One event of a cache's history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Event {
    /// How many times it happened.
    #[serde(deserialize_with = "de::opt_i64")]
    pub count: Option<i64>,
    /// First occurrence.
    #[serde(deserialize_with = "de::time")]
    pub first_timestamp: String,
    /// Last occurrence.
    #[serde(deserialize_with = "de::time")]
    pub last_timestamp: String,
    /// Text of the event.
    #[serde(deserialize_with = "de::string")]
    pub message: String,
    /// Event name.
    #[serde(deserialize_with = "de::string")]
    pub name: String,
    /// Reason.
    #[serde(deserialize_with = "de::string")]
    pub reason: String,
    /// `Normal` or `Warning`.
    #[serde(rename = "Type", deserialize_with = "de::string")]
    pub event_type: String,
}

/// An image cache as DescribeImageCaches returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageCache {
    /// `imc-...`.
    pub image_cache_id: String,
    /// Name.
    pub image_cache_name: String,
    /// Size in GiB.
    #[serde(deserialize_with = "de::opt_i64")]
    pub image_cache_size: Option<i64>,
    /// Cached images.
    #[serde(deserialize_with = "de::string_list")]
    pub images: Vec<String>,
    /// `Preparing`, `Creating`, `Ready`, `Failed`, `Updating`, `UpdateFailed`.
    pub status: String,
    /// e.g. `100%`.
    #[serde(deserialize_with = "de::string")]
    pub progress: String,
    /// The snapshot that is the cache.
    pub snapshot_id: String,
    /// Local snapshot (flash caches).
    pub flash_snapshot_id: String,
    /// Intermediate ECI instance.
    pub container_group_id: String,
    /// `yyyy-MM-ddTHH:mm:ssZ`.
    #[serde(deserialize_with = "de::time")]
    pub creation_time: String,
    /// Expiry time (only with a retention).
    #[serde(deserialize_with = "de::time")]
    pub expire_date_time: String,
    /// Last time an instance creation matched this cache.
    #[serde(deserialize_with = "de::time")]
    pub last_matched_time: String,
    /// `LRU` or empty.
    pub elimination_strategy: String,
    /// Region.
    pub region_id: String,
    /// Resource group.
    pub resource_group_id: String,
    /// History.
    #[serde(deserialize_with = "de::list")]
    pub events: Vec<Event>,
    /// Tags.
    #[serde(deserialize_with = "de::list")]
    pub tags: Vec<Tag>,
}

/// DescribeImageCaches answer (one page).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeImageCachesResponse {
    /// `RequestId`.
    pub request_id: String,
    /// Token of the next page (empty on the last).
    pub next_token: String,
    /// Number of matching caches.
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_count: Option<i64>,
    /// The caches of this page.
    #[serde(deserialize_with = "de::list")]
    pub image_caches: Vec<ImageCache>,
}

/// UpdateImageCache parameters: only what is set
/// is changed. Sending `image` re-pulls images.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateImageCacheRequest {
    /// The cache (required).
    pub image_cache_id: String,
    /// Security group.
    pub security_group_id: Option<String>,
    /// vSwitch ID(s).
    pub v_switch_id: Option<String>,
    /// New name.
    pub image_cache_name: Option<String>,
    /// EIP.
    pub eip_instance_id: Option<String>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Size in GiB.
    pub image_cache_size: Option<i64>,
    /// Retention in days.
    pub retention_days: Option<i64>,
    /// Reuse layers of existing caches.
    pub auto_match_image_cache: Option<bool>,
    /// Private registry credentials.
    pub image_registry_credential: Vec<ImageRegistryCredential>,
    /// Images (`Image.N`); sending them triggers a re-pull.
    pub image: Vec<String>,
    /// Tags to add.
    pub tag: Vec<Tag>,
    /// Instant image cache.
    pub flash: Option<bool>,
    /// ACR instances (leave `arn_service`/`arn_user` unset).
    pub acr_registry_info: Vec<AcrRegistryInfo>,
    /// Regular snapshot replicas.
    pub standard_copy_count: Option<i64>,
    /// Local snapshot replicas.
    pub flash_copy_count: Option<i64>,
    /// `LRU` or empty.
    pub elimination_strategy: Option<String>,
}

/// DeleteImageCache parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteImageCacheRequest {
    /// The cache to delete.
    pub image_cache_id: String,
}

// ----------------------------------------------------------------- data caches

/// Where a data cache loads its data from. Sent as `DataSource.Type` and
/// `DataSource.Options.#len#key`; read back from the JSON-string `Options`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DataSource {
    /// `URL`, `NAS`, `OSS` or `SNAPSHOT`.
    #[serde(
        rename = "Type",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "de::string"
    )]
    pub source_type: String,
    /// Free-form options (`repoSource`, `repoId`, `url`, `server`, ...),
    /// keys without any `#len#` prefix.
    #[serde(
        serialize_with = "params::prefixed_keys",
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "de::options_map"
    )]
    pub options: BTreeMap<String, String>,
}

/// Parameters of an EIP created and bound for the load
/// (`EipCreateParam.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EipCreateParam {
    /// Mbit/s (default 5).
    pub bandwidth: Option<i64>,
    /// Shared bandwidth package `cbwp-...`.
    pub common_bandwidth_package: Option<String>,
    /// `PayByBandwidth` or `PayByTraffic`.
    pub internet_charge_type: Option<String>,
    /// IP address pool `pippool-...`.
    pub public_ip_address_pool_id: Option<String>,
    /// `BGP` (default) or `BGP_PRO`.
    #[serde(rename = "ISP")]
    pub isp: Option<String>,
}

/// CreateDataCache parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateDataCacheRequest {
    /// Security group of the temporary instance.
    pub security_group_id: Option<String>,
    /// vSwitch of the temporary instance.
    pub v_switch_id: Option<String>,
    /// Bucket (default `default`; not `eci-system`).
    pub bucket: Option<String>,
    /// Path inside the bucket.
    pub path: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Size in GiB (default 20).
    pub size: Option<i64>,
    /// Data source.
    pub data_source: Option<DataSource>,
    /// Retention in days.
    pub retention_days: Option<i64>,
    /// Tags.
    pub tag: Vec<Tag>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Existing EIP to bind.
    pub eip_instance_id: Option<String>,
    /// EIP to create and bind.
    pub eip_create_param: Option<EipCreateParam>,
}

/// CreateDataCache answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateDataCacheResponse {
    /// `RequestId`.
    pub request_id: String,
    /// ID of the new cache (`edc-...`).
    pub data_cache_id: String,
}

/// DescribeDataCaches filters and paging.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDataCachesRequest {
    /// IDs (`DataCacheId.N`, up to 100).
    pub data_cache_id: Vec<String>,
    /// Bucket.
    pub bucket: Option<String>,
    /// Path.
    pub path: Option<String>,
    /// Tag filter.
    pub tag: Vec<Tag>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Page size (1–20).
    pub limit: Option<u32>,
    /// Token of the page to fetch.
    pub next_token: Option<String>,
}

/// A data cache as DescribeDataCaches returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DataCache {
    /// `edc-...`.
    pub data_cache_id: String,
    /// Name.
    pub name: String,
    /// Bucket.
    pub bucket: String,
    /// Path.
    pub path: String,
    /// Size in GiB.
    #[serde(deserialize_with = "de::opt_i64")]
    pub size: Option<i64>,
    /// `Creating`, `Loading`, `Available`, `Failed`, `Updating`, `UpdateFailed`.
    pub status: String,
    /// e.g. `100%`.
    #[serde(deserialize_with = "de::string")]
    pub progress: String,
    /// Data source, options decoded into a map.
    pub data_source: DataSource,
    /// Snapshot.
    pub snapshot_id: String,
    /// Local snapshot.
    pub flash_snapshot_id: String,
    /// Temporary instance.
    pub container_group_id: String,
    /// Creation time, normalised to seconds.
    #[serde(deserialize_with = "de::time")]
    pub creation_time: String,
    /// Expiry time.
    #[serde(deserialize_with = "de::time")]
    pub expire_date_time: String,
    /// Last match time.
    #[serde(deserialize_with = "de::time")]
    pub last_matched_time: String,
    /// Region.
    pub region_id: String,
    /// Resource group.
    pub resource_group_id: String,
    /// History.
    #[serde(deserialize_with = "de::list")]
    pub events: Vec<Event>,
    /// Tags.
    #[serde(deserialize_with = "de::list")]
    pub tags: Vec<Tag>,
}

/// DescribeDataCaches answer (one page).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeDataCachesResponse {
    /// `RequestId`.
    pub request_id: String,
    /// Token of the next page (empty on the last).
    pub next_token: String,
    /// Number of matching caches.
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_count: Option<i64>,
    /// The caches of this page.
    #[serde(deserialize_with = "de::list")]
    pub data_caches: Vec<DataCache>,
}

/// UpdateDataCache parameters: only what is set
/// is changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDataCacheRequest {
    /// The cache (always sent: Update has no other locator).
    pub data_cache_id: String,
    /// Security group.
    pub security_group_id: Option<String>,
    /// vSwitch.
    pub v_switch_id: Option<String>,
    /// Bucket of the cache (a locator; must match the cache's bucket).
    pub bucket: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// Size in GiB.
    pub size: Option<i64>,
    /// Data source (changing it reloads the data).
    pub data_source: Option<DataSource>,
    /// Retention in days.
    pub retention_days: Option<i64>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Tags.
    pub tag: Vec<Tag>,
    /// Existing EIP to bind.
    pub eip_instance_id: Option<String>,
    /// EIP to create and bind.
    pub eip_create_param: Option<EipCreateParam>,
}

/// DeleteDataCache parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteDataCacheRequest {
    /// The cache to delete (always sent).
    pub data_cache_id: String,
    /// Bucket of the cache.
    pub bucket: Option<String>,
    /// Path of the cache.
    pub path: Option<String>,
}

// ------------------------------------------------------------------------ tags

/// ECI resource types that carry tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ResourceType {
    /// A container group (instance).
    ContainerGroup,
    /// An image cache.
    ImageCache,
    /// A data cache.
    DataCache,
    /// A virtual node.
    VirtualNode,
}

/// TagResources parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourcesRequest {
    /// Type of the resources.
    pub resource_type: ResourceType,
    /// Resource IDs (`ResourceId.N`, up to 100).
    pub resource_id: Vec<String>,
    /// Tags to add (up to 20).
    pub tag: Vec<Tag>,
}

/// UntagResources parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagResourcesRequest {
    /// Type of the resources.
    pub resource_type: ResourceType,
    /// Resource IDs.
    pub resource_id: Vec<String>,
    /// Keys to remove (`TagKey.N`, up to 20).
    pub tag_key: Vec<String>,
    /// Remove every tag.
    pub all: Option<bool>,
}

/// ListTagResources parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagResourcesRequest {
    /// Type of the resources.
    pub resource_type: ResourceType,
    /// Resource IDs.
    pub resource_id: Vec<String>,
    /// Tag filter.
    pub tag: Vec<Tag>,
    /// Page size (sent as decimal text, which is what the API's string
    /// type expects).
    pub limit: Option<u32>,
    /// Token of the page to fetch.
    pub next_token: Option<String>,
}

/// One (resource, tag) pair.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagResource {
    /// Resource ID.
    pub resource_id: String,
    /// Resource type.
    pub resource_type: String,
    /// Tag key.
    #[serde(deserialize_with = "de::string")]
    pub tag_key: String,
    /// Tag value.
    #[serde(deserialize_with = "de::string")]
    pub tag_value: String,
}

/// ListTagResources answer (one page).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListTagResourcesResponse {
    /// `RequestId`.
    pub request_id: String,
    /// Token of the next page.
    pub next_token: String,
    /// The pairs of this page.
    #[serde(deserialize_with = "de::list")]
    pub tag_resources: Vec<TagResource>,
}

// ------------------------------------------------------------- coalesced reads

impl Coalesced for ImageCache {
    fn id(&self) -> &str {
        &self.image_cache_id
    }

    fn coalescer(client: &Client) -> &Coalescer<Self> {
        client.image_cache_reads()
    }

    async fn page(
        client: &Client,
        token: Option<String>,
        cx: &CallContext,
    ) -> Result<ListPage<Self>, ApiError> {
        let req = DescribeImageCachesRequest {
            limit: Some(DEFAULT_PAGE_SIZE),
            next_token: token,
            ..Default::default()
        };
        let page = client.describe_image_caches(&req, cx).await?;
        Ok(ListPage {
            items: page.image_caches,
            next_token: Some(page.next_token),
            total: page.total_count,
        })
    }

    async fn one(client: &Client, id: &str, cx: &CallContext) -> Result<Option<Self>, ApiError> {
        client.describe_image_cache(id, cx).await
    }
}

impl Coalesced for DataCache {
    fn id(&self) -> &str {
        &self.data_cache_id
    }

    fn coalescer(client: &Client) -> &Coalescer<Self> {
        client.data_cache_reads()
    }

    async fn page(
        client: &Client,
        token: Option<String>,
        cx: &CallContext,
    ) -> Result<ListPage<Self>, ApiError> {
        let req = DescribeDataCachesRequest {
            limit: Some(DEFAULT_PAGE_SIZE),
            next_token: token,
            ..Default::default()
        };
        let page = client.describe_data_caches(&req, cx).await?;
        Ok(ListPage {
            items: page.data_caches,
            next_token: Some(page.next_token),
            total: page.total_count,
        })
    }

    async fn one(client: &Client, id: &str, cx: &CallContext) -> Result<Option<Self>, ApiError> {
        client.describe_data_cache(id, cx).await
    }
}

// --------------------------------------------------------------------- methods

impl Client {
    /// CreateImageCache. The same `token` must be reused for every retry of
    /// this logical create, including retries by the caller.
    pub async fn create_image_cache(
        &self,
        req: &CreateImageCacheRequest,
        token: &ClientToken,
        cx: &CallContext,
    ) -> Result<CreateImageCacheResponse, ApiError> {
        self.call(Product::Eci, "CreateImageCache", req, Some(token), cx)
            .await
    }

    /// DescribeImageCaches, one page.
    pub async fn describe_image_caches(
        &self,
        req: &DescribeImageCachesRequest,
        cx: &CallContext,
    ) -> Result<DescribeImageCachesResponse, ApiError> {
        self.call(Product::Eci, "DescribeImageCaches", req, None, cx)
            .await
    }

    /// DescribeImageCaches, every page (`limit` defaults to 20).
    pub async fn describe_all_image_caches(
        &self,
        req: &DescribeImageCachesRequest,
        cx: &CallContext,
    ) -> Result<Vec<ImageCache>, ApiError> {
        collect_all("DescribeImageCaches", |token| {
            let page_req = DescribeImageCachesRequest {
                limit: req.limit.or(Some(DEFAULT_PAGE_SIZE)),
                next_token: token,
                ..req.clone()
            };
            async move {
                let page = self.describe_image_caches(&page_req, cx).await?;
                Ok(Page::new(page.image_caches, page.next_token))
            }
        })
        .await
    }

    /// The image cache with this ID, or `None` when the service does not
    /// return it (deleted, expired, never existed).
    pub async fn describe_image_cache(
        &self,
        image_cache_id: &str,
        cx: &CallContext,
    ) -> Result<Option<ImageCache>, ApiError> {
        let req = DescribeImageCachesRequest {
            image_cache_id: Some(image_cache_id.to_owned()),
            ..Default::default()
        };
        let page = self.describe_image_caches(&req, cx).await?;
        Ok(page
            .image_caches
            .into_iter()
            .find(|c| c.image_cache_id == image_cache_id))
    }

    /// The image cache with this ID, like [`Client::describe_image_cache`], but
    /// answered from a shared region listing when many reads come together
    /// (see [`coalesce`]). For refreshes, not for waits.
    pub async fn read_image_cache(
        &self,
        image_cache_id: &str,
        cx: &CallContext,
    ) -> Result<Option<ImageCache>, ApiError> {
        coalesce::read::<ImageCache>(self, image_cache_id, cx).await
    }

    /// UpdateImageCache (only `Ready`/`UpdateFailed` caches; a call that
    /// changes nothing fails with `NoNeedUpdate`).
    pub async fn update_image_cache(
        &self,
        req: &UpdateImageCacheRequest,
        token: &ClientToken,
        cx: &CallContext,
    ) -> Result<Ack, ApiError> {
        self.call(Product::Eci, "UpdateImageCache", req, Some(token), cx)
            .await
    }

    /// DeleteImageCache. An unknown ID fails with one of
    /// [`IMAGE_CACHE_NOT_FOUND`]; callers deleting treat that as done.
    pub async fn delete_image_cache(
        &self,
        req: &DeleteImageCacheRequest,
        token: &ClientToken,
        cx: &CallContext,
    ) -> Result<Ack, ApiError> {
        self.call(Product::Eci, "DeleteImageCache", req, Some(token), cx)
            .await
    }

    /// CreateDataCache.
    pub async fn create_data_cache(
        &self,
        req: &CreateDataCacheRequest,
        token: &ClientToken,
        cx: &CallContext,
    ) -> Result<CreateDataCacheResponse, ApiError> {
        self.call(Product::Eci, "CreateDataCache", req, Some(token), cx)
            .await
    }

    /// DescribeDataCaches, one page.
    pub async fn describe_data_caches(
        &self,
        req: &DescribeDataCachesRequest,
        cx: &CallContext,
    ) -> Result<DescribeDataCachesResponse, ApiError> {
        self.call(Product::Eci, "DescribeDataCaches", req, None, cx)
            .await
    }

    /// DescribeDataCaches, every page (`limit` defaults to 20).
    pub async fn describe_all_data_caches(
        &self,
        req: &DescribeDataCachesRequest,
        cx: &CallContext,
    ) -> Result<Vec<DataCache>, ApiError> {
        collect_all("DescribeDataCaches", |token| {
            let page_req = DescribeDataCachesRequest {
                limit: req.limit.or(Some(DEFAULT_PAGE_SIZE)),
                next_token: token,
                ..req.clone()
            };
            async move {
                let page = self.describe_data_caches(&page_req, cx).await?;
                Ok(Page::new(page.data_caches, page.next_token))
            }
        })
        .await
    }

    /// The data cache with this ID, or `None` when it is not returned.
    pub async fn describe_data_cache(
        &self,
        data_cache_id: &str,
        cx: &CallContext,
    ) -> Result<Option<DataCache>, ApiError> {
        let req = DescribeDataCachesRequest {
            data_cache_id: vec![data_cache_id.to_owned()],
            ..Default::default()
        };
        let page = self.describe_data_caches(&req, cx).await?;
        Ok(page
            .data_caches
            .into_iter()
            .find(|c| c.data_cache_id == data_cache_id))
    }

    /// The data cache with this ID, like [`Client::describe_data_cache`], but
    /// answered from a shared region listing when many reads come together
    /// (see [`coalesce`]). For refreshes, not for waits.
    pub async fn read_data_cache(
        &self,
        data_cache_id: &str,
        cx: &CallContext,
    ) -> Result<Option<DataCache>, ApiError> {
        coalesce::read::<DataCache>(self, data_cache_id, cx).await
    }

    /// UpdateDataCache.
    pub async fn update_data_cache(
        &self,
        req: &UpdateDataCacheRequest,
        token: &ClientToken,
        cx: &CallContext,
    ) -> Result<Ack, ApiError> {
        self.call(Product::Eci, "UpdateDataCache", req, Some(token), cx)
            .await
    }

    /// DeleteDataCache. An unknown ID fails with one of [`DATA_CACHE_NOT_FOUND`];
    /// callers deleting treat that as done.
    pub async fn delete_data_cache(
        &self,
        req: &DeleteDataCacheRequest,
        token: &ClientToken,
        cx: &CallContext,
    ) -> Result<Ack, ApiError> {
        self.call(Product::Eci, "DeleteDataCache", req, Some(token), cx)
            .await
    }

    /// TagResources (adds or overwrites the given tags).
    pub async fn tag_resources(
        &self,
        req: &TagResourcesRequest,
        cx: &CallContext,
    ) -> Result<Ack, ApiError> {
        self.call(Product::Eci, "TagResources", req, None, cx).await
    }

    /// UntagResources.
    pub async fn untag_resources(
        &self,
        req: &UntagResourcesRequest,
        cx: &CallContext,
    ) -> Result<Ack, ApiError> {
        self.call(Product::Eci, "UntagResources", req, None, cx)
            .await
    }

    /// ListTagResources, one page.
    pub async fn list_tag_resources(
        &self,
        req: &ListTagResourcesRequest,
        cx: &CallContext,
    ) -> Result<ListTagResourcesResponse, ApiError> {
        self.call(Product::Eci, "ListTagResources", req, None, cx)
            .await
    }

    /// ListTagResources, every page (`limit` defaults to 20).
    pub async fn list_all_tag_resources(
        &self,
        req: &ListTagResourcesRequest,
        cx: &CallContext,
    ) -> Result<Vec<TagResource>, ApiError> {
        collect_all("ListTagResources", |token| {
            let page_req = ListTagResourcesRequest {
                limit: req.limit.or(Some(DEFAULT_PAGE_SIZE)),
                next_token: token,
                ..req.clone()
            };
            async move {
                let page = self.list_tag_resources(&page_req, cx).await?;
                Ok(Page::new(page.tag_resources, page.next_token))
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::aliyun::params::{flatten, to_pairs};

    fn names(pairs: &[(String, String)]) -> Vec<&str> {
        pairs.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn create_image_cache_sends_every_documented_parameter() {
        let req = CreateImageCacheRequest {
            zone_id: Some("cn-hangzhou-g".into()),
            security_group_id: Some("sg-1".into()),
            v_switch_id: Some("vsw-1,vsw-2".into()),
            image_cache_name: "c".into(),
            eip_instance_id: Some("eip-1".into()),
            resource_group_id: Some("rg-1".into()),
            image_cache_size: Some(20),
            retention_days: Some(7),
            auto_match_image_cache: Some(true),
            image_registry_credential: vec![ImageRegistryCredential {
                server: "reg.example.com".into(),
                user_name: "u".into(),
                password: Secret::new("registry-pw"),
            }],
            image: vec!["nginx".into(), "busybox".into()],
            tag: vec![Tag::new("k", "v")],
            flash: Some(false),
            acr_registry_info: vec![AcrRegistryInfo {
                instance_id: Some("cri-1".into()),
                instance_name: Some("n".into()),
                region_id: Some("cn-hangzhou".into()),
                domain: vec!["a.example.com".into()],
                arn_service: Some("acs:ram::1:role/a".into()),
                arn_user: Some("acs:ram::2:role/b".into()),
            }],
            annotations: Some("hide".into()),
            plain_http_registry: Some("h.example.com".into()),
            insecure_registry: Some("i.example.com".into()),
            standard_copy_count: Some(1),
            flash_copy_count: Some(1),
            elimination_strategy: Some("LRU".into()),
            os_type: Some("Linux".into()),
        };
        let params = flatten(&req).unwrap();
        assert_eq!(
            names(params.pairs()),
            [
                "ZoneId",
                "SecurityGroupId",
                "VSwitchId",
                "ImageCacheName",
                "EipInstanceId",
                "ResourceGroupId",
                "ImageCacheSize",
                "RetentionDays",
                "AutoMatchImageCache",
                "ImageRegistryCredential.1.Server",
                "ImageRegistryCredential.1.UserName",
                "ImageRegistryCredential.1.Password",
                "Image.1",
                "Image.2",
                "Tag.1.Key",
                "Tag.1.Value",
                "Flash",
                "AcrRegistryInfo.1.InstanceId",
                "AcrRegistryInfo.1.InstanceName",
                "AcrRegistryInfo.1.RegionId",
                "AcrRegistryInfo.1.Domain.1",
                "AcrRegistryInfo.1.ArnService",
                "AcrRegistryInfo.1.ArnUser",
                "Annotations",
                "PlainHttpRegistry",
                "InsecureRegistry",
                "StandardCopyCount",
                "FlashCopyCount",
                "EliminationStrategy",
                "OsType",
            ]
        );
        assert_eq!(params.secret_values(), ["registry-pw".to_string()]);
        assert!(!format!("{req:?}").contains("registry-pw"));
    }

    #[test]
    fn minimal_requests_send_only_what_is_set() {
        let req = UpdateImageCacheRequest {
            image_cache_id: "imc-1".into(),
            image_cache_name: Some("new".into()),
            ..Default::default()
        };
        assert_eq!(
            to_pairs(&req).unwrap(),
            vec![
                ("ImageCacheId".to_string(), "imc-1".to_string()),
                ("ImageCacheName".to_string(), "new".to_string())
            ]
        );
        let describe = DescribeDataCachesRequest {
            data_cache_id: vec!["edc-1".into(), "edc-2".into()],
            limit: Some(20),
            ..Default::default()
        };
        assert_eq!(
            names(&to_pairs(&describe).unwrap()),
            ["DataCacheId.1", "DataCacheId.2", "Limit"]
        );
    }

    #[test]
    fn data_cache_request_uses_prefixed_option_keys_and_eip_names() {
        let req = UpdateDataCacheRequest {
            data_cache_id: "edc-1".into(),
            data_source: Some(DataSource {
                source_type: "URL".into(),
                options: BTreeMap::from([("url".into(), "https://example.com/x".into())]),
            }),
            eip_create_param: Some(EipCreateParam {
                bandwidth: Some(5),
                isp: Some("BGP".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            to_pairs(&req).unwrap(),
            vec![
                ("DataCacheId".to_string(), "edc-1".to_string()),
                ("DataSource.Type".to_string(), "URL".to_string()),
                (
                    "DataSource.Options.#3#url".to_string(),
                    "https://example.com/x".to_string()
                ),
                ("EipCreateParam.Bandwidth".to_string(), "5".to_string()),
                ("EipCreateParam.ISP".to_string(), "BGP".to_string()),
            ]
        );
    }

    #[test]
    fn tag_requests_name_the_resource_type() {
        let req = UntagResourcesRequest {
            resource_type: ResourceType::DataCache,
            resource_id: vec!["edc-1".into()],
            tag_key: vec!["a".into(), "b".into()],
            all: None,
        };
        assert_eq!(
            to_pairs(&req).unwrap(),
            vec![
                ("ResourceType".to_string(), "DataCache".to_string()),
                ("ResourceId.1".to_string(), "edc-1".to_string()),
                ("TagKey.1".to_string(), "a".to_string()),
                ("TagKey.2".to_string(), "b".to_string()),
            ]
        );
    }

    #[test]
    fn image_cache_decodes_the_old_sample_shapes() {
        let body = json!({
            "RequestId": "R",
            "TotalCount": "1",
            "NextToken": "",
            "ImageCaches": [{
                "ImageCacheId": "imc-1",
                "ImageCacheName": "c",
                "ImageCacheSize": "20",
                "Images": "nginx",
                "Status": "Ready",
                "Progress": "100%",
                "CreationTime": "2021-01-01T00:00Z",
                "Events": [{"Count": 1, "Type": "Normal", "Name": "Pulled"}],
                "Tags": [{"Key": "k", "Value": "v"}],
                "ExpireDateTime": null
            }]
        });
        let resp: DescribeImageCachesResponse = serde_json::from_value(body).unwrap();
        let c = &resp.image_caches[0];
        assert_eq!(resp.total_count, Some(1));
        assert_eq!(c.image_cache_size, Some(20));
        assert_eq!(c.images, ["nginx"]);
        assert_eq!(c.creation_time, "2021-01-01T00:00:00Z");
        assert_eq!(c.events[0].event_type, "Normal");
        assert_eq!(c.tags, [Tag::new("k", "v")]);
        assert_eq!(c.expire_date_time, "");
    }

    #[test]
    fn data_cache_decodes_options_string() {
        let body = json!({
            "RequestId": "R",
            "DataCaches": [{
                "DataCacheId": "edc-1",
                "Size": 40,
                "Status": "Available",
                "DataSource": {
                    "Type": "NAS",
                    "Options": "{\"options\":{\"path\":\"/\",\"server\":\"s\",\"vers\":\"3\",\"options\":\"nolock\"},\"type\":\"NAS\"}"
                },
                "CreationTime": "2023-06-16T02:43Z"
            }]
        });
        let resp: DescribeDataCachesResponse = serde_json::from_value(body).unwrap();
        let c = &resp.data_caches[0];
        assert_eq!(c.size, Some(40));
        assert_eq!(c.data_source.source_type, "NAS");
        assert_eq!(c.data_source.options.len(), 4);
        assert_eq!(c.data_source.options["options"], "nolock");
        assert_eq!(c.creation_time, "2023-06-16T02:43:00Z");
        assert_eq!(resp.total_count, None);
    }
}
