//! The msgpack codec for `DynamicValue` (go-cty's wire format).
//!
//! TODO(driver): implementation pending.

use crate::tf::path::AttributePath;
use crate::tf::types::Type;
use crate::tf::value::Value;

/// A value that does not match its type, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at {path})")]
pub struct DecodeError {
    /// Where in the value.
    pub path: AttributePath,
    /// What was wrong.
    pub message: String,
}

/// Decodes msgpack bytes as a value of type `ty`. Never panics.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let _ = (bytes, ty);
    todo!("msgpack decode")
}

/// Encodes `value` as type `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, DecodeError> {
    let _ = (value, ty);
    todo!("msgpack encode")
}
