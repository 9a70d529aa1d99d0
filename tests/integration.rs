//! The one integration test binary: it drives the built provider binary and the real
//! `terraform` (1.11, on PATH).
//!
//! - `protocol`: plugin start-up, handshake, mutual TLS, schema as Terraform sees it,
//!   debug mode.
//! - `util`: temporary Terraform workspaces wired to the built provider.

mod protocol;
mod util;
