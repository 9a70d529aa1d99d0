//! The Terraform side of the provider, independent of Alibaba Cloud.
//!
//! Like terraform-plugin-go's `tfprotov6` and `tftypes`, this module knows schemas,
//! values and diagnostics, and nothing about any cloud:
//!
//! - [`types`]: the cty type system ([`Type`]) and its JSON form used in schemas.
//! - [`value`]: dynamic values ([`Value`]) with null and unknown as first-class states.
//! - [`path`]: attribute paths ([`AttributePath`]) that diagnostics point at.
//! - [`diagnostics`]: errors and warnings as Terraform shows them.
//! - [`schema`]: schemas with descriptions and plan behaviour (replace, stable, defaults, validators).
//! - [`validators`]: reusable attribute validators whose descriptions end up in the docs.
//! - [`msgpack`] / [`json`]: the wire codecs for `DynamicValue`.
//! - [`protocol`]: the plain request/response structs and the [`protocol::ProviderServer`]
//!   trait that the gRPC server calls (implemented once, by `crate::driver`).
//! - [`provider`]: the traits a provider author implements ([`Provider`], [`Resource`], [`DataSource`]).
#![warn(missing_docs)]

pub mod diagnostics;
pub mod json;
pub mod msgpack;
pub mod path;
pub mod protocol;
pub mod provider;
pub mod schema;
pub mod types;
pub mod validators;
pub mod value;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use path::{AttributePath, Step};
pub use provider::{Cx, DataSource, Provider, Resource};
pub use schema::{Attribute, Block, NestedBlock, Nesting, Presence, Replace, Schema};
pub use types::Type;
pub use value::Value;
