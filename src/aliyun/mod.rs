//! Alibaba Cloud RPC API client for ECI (`2018-08-08`) and ECS (`2014-05-26`).
//!
//! This module knows Alibaba Cloud and nothing about Terraform: callers get
//! typed requests and responses, and never see query strings, signatures or
//! `NextToken`s.
//!
//! | File | Owns |
//! |---|---|
//! | [`signer`] | percent-encoding, canonical query, HMAC-SHA1 signature v1 (pure) |
//! | [`params`] | serde flattening of request structs into `Name.N.Field` pairs |
//! | [`credentials`] | [`Credentials`], the [`Secret`] wrapper, the credential chain ([`CredentialProvider`]) |
//! | [`error`] | [`ApiError`] (never shows a secret) |
//! | [`retry`] | [`RetryPolicy`], [`classify`], [`backoff`] (pure) |
//! | [`rejection`] | a refused AccessKey reported once, not once per call |
//! | [`token`] | [`ClientToken`], the idempotency key of one logical operation |
//! | [`client`] | [`Client`], [`ClientConfig`], [`CallContext`] and the retry loop |
//! | [`coalesce`] | concurrent reads of one kind answered from a shared region listing |
//! | [`paginate`] | [`collect_all`]: every page of a `NextToken` listing |
//! | [`eci`] / [`ecs`] | one request/response pair and one method per action |
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use terraform_provider_aliyun::aliyun::*;
//! let client = Client::new(ClientConfig::new("cn-hangzhou", Credentials::new("id", "secret")))?;
//! let cx = CallContext::with_timeout(std::time::Duration::from_secs(60));
//! let token = ClientToken::generate(); // once per logical create
//! let req = CreateImageCacheRequest {
//!     image_cache_name: "web".into(),
//!     image: vec!["nginx:latest".into()],
//!     ..Default::default()
//! };
//! let created = client.create_image_cache(&req, &token, &cx).await?;
//! let cache = client.describe_image_cache(&created.image_cache_id, &cx).await?;
//! # let _ = cache; Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod client;
pub mod coalesce;
pub mod credentials;
mod de;
pub mod eci;
pub mod ecs;
pub mod error;
#[cfg(test)]
mod fake_server;
pub mod paginate;
pub mod params;
pub mod rejection;
pub mod retry;
pub mod signer;
pub mod token;
pub mod types;

pub use client::{CallContext, Client, ClientConfig, ConfigError, Product};
pub use credentials::{CredentialProvider, Credentials, CredentialsError, Secret, SourceSpec};
pub use de::normalize_time;
pub use eci::*;
pub use ecs::*;
pub use error::ApiError;
pub use paginate::{collect_all, Page};
pub use params::{flatten, prefixed_keys, Params, ParamsError};
pub use retry::{backoff, classify, RetryKind, RetryPolicy};
pub use token::ClientToken;
pub use types::{Ack, Tag};
