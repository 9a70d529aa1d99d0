//! The one integration test binary: it drives the built provider binary and the real
//! `terraform` (1.11, on PATH).
//!
//! - `protocol`: plugin start-up, handshake, mutual TLS, schema as Terraform sees it,
//!   debug mode.
//! - `image_cache`: `aliyun_eci_image_cache` acceptance tests.
//! - `util`: temporary Terraform workspaces wired to the built provider.
//! - `acc`: acceptance steps (plan, apply, empty re-plans, import verify, destroy) against the emulator.

mod acc;
mod image_cache;
mod protocol;
mod util;
